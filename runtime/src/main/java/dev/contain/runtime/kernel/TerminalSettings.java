package dev.contain.runtime.kernel;

/** A terminal's settings (struct termios, as tcgetattr filled it) on a descriptor of this process. */
public record TerminalSettings(int fd, byte[] termios) {
    public TerminalSettings {
        termios = termios.clone();
    }

    @Override
    public byte[] termios() {
        return termios.clone();
    }
}
