package dev.contain.spec;

/**
 * One thing wrong with a spec, at a 1-based line and column of its file. A problem with a value given
 * on the command line has line 0 and names the flag as its file. Control characters in the file name or
 * message are escaped here, so a problem is always one line of text.
 */
public record Problem(String file, int line, int column, String message) {
    public Problem {
        file = Shown.oneLine(file);
        message = Shown.oneLine(message);
    }

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ":" + column + ": " + message : file + ": " + message;
    }
}
