package dev.contain.runtime.kernel;

/** The settings of the terminal on the engine's stdin (struct termios, as the init's tcgetattr filled it). */
public record TerminalSettings(byte[] termios) {
    public TerminalSettings {
        termios = termios.clone();
    }

    /**
     * The settings as {@code contain-init --terminal save} printed them (hex), none for no text (no terminal).
     * Reached on both paths, so a training without a terminal puts this class in the start-up archive too.
     */
    static java.util.Optional<TerminalSettings> fromHex(String hex) {
        return hex.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(new TerminalSettings(java.util.HexFormat.of().parseHex(hex)));
    }

    @Override
    public byte[] termios() {
        return termios.clone();
    }
}
