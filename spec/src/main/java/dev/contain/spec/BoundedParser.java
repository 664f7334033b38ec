package dev.contain.spec;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * snakeyaml's parser, with the limits its composer lacks checked on each event before the composer
 * builds it: nesting depth (the composer recurses once per level, so thousands of '[' overflowed the
 * stack), and the size of the document with aliases expanded (values and characters: an alias costs
 * nothing to compose but is read again by everything after). A recursive alias is refused here too.
 * Limits are reported at the event that crosses them.
 */
final class BoundedParser implements Parser {
    /** A limit crossed, at the event that crossed it. */
    static final class LimitException extends RuntimeException {
        final Optional<Mark> mark;

        LimitException(Optional<Mark> mark, String message) {
            super(message, null, false, false);
            this.mark = mark;
        }
    }

    /** A list or mapping being read: its anchor and the counts when it began. */
    private record Open(Anchor anchor, long nodes, long chars) {}

    /** What an alias adds: the anchored node's values and characters. */
    private record Size(long nodes, long chars, boolean collection) {}

    private final Parser parser;
    private final ArrayDeque<Open> open = new ArrayDeque<>();
    private final Map<Anchor, Size> anchors = new HashMap<>();
    private long nodes;
    private long chars;
    private int collectionAliases;
    private Optional<Mark> last = Optional.empty();

    BoundedParser(Parser parser) {
        this.parser = parser;
    }

    /** Where the last event began: the position for an error snakeyaml reports without one. */
    Optional<Mark> lastMark() {
        return last;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
        return parser.peekEvent();
    }

    @Override
    public boolean hasNext() {
        return parser.hasNext();
    }

    @Override
    public Event next() {
        Event event = parser.next();
        if (event.getStartMark().isPresent()) {
            last = event.getStartMark();
        }
        switch (event.getEventId()) {
            case Scalar -> {
                int length = ((ScalarEvent) event).getValue().length();
                add(event, 1, length);
                Anchor a = anchor(event);
                if (a != null) {
                    anchors.put(a, new Size(1, length, false));
                }
            }
            case SequenceStart, MappingStart -> {
                if (open.size() >= Limits.DEPTH) {
                    throw new LimitException(event.getStartMark(), "lists and mappings are nested more than "
                            + Limits.DEPTH + " levels deep here; a spec needs a few");
                }
                open.push(new Open(anchor(event), nodes, chars));
                add(event, 1, 0);
            }
            case SequenceEnd, MappingEnd -> {
                Open o = open.pop();
                if (o.anchor() != null) {
                    anchors.put(o.anchor(), new Size(nodes - o.nodes(), chars - o.chars(), true));
                }
            }
            case Alias -> alias((AliasEvent) event);
            default -> {
                // stream and document events, comments: nothing to count
            }
        }
        return event;
    }

    private void alias(AliasEvent event) {
        Anchor name = event.getAlias();
        for (Open o : open) {
            if (name.equals(o.anchor())) {
                throw new LimitException(event.getStartMark(), "alias *" + Shown.plain(name.getValue())
                        + " is used inside the value it names; a spec cannot be recursive");
            }
        }
        Size size = anchors.get(name);
        if (size == null) {
            return; // an undefined alias: the composer reports it, with its position
        }
        if (size.collection() && ++collectionAliases > Limits.COLLECTION_ALIASES) {
            throw new LimitException(event.getStartMark(), "more than " + Limits.COLLECTION_ALIASES
                    + " aliases of lists or mappings; a spec needs far fewer");
        }
        add(event, size.nodes(), size.chars());
    }

    private void add(Event event, long n, long c) {
        nodes += n;
        chars += c;
        if (nodes > Limits.NODES) {
            throw new LimitException(event.getStartMark(), "the spec holds more than " + Limits.NODES
                    + " values here (an alias counts as often as it is used); a spec needs far fewer");
        }
        if (chars > Limits.EXPANDED_CHARS) {
            throw new LimitException(event.getStartMark(), "the spec's values come to more than "
                    + (Limits.EXPANDED_CHARS >> 20) + " Mi characters here (an alias counts as often as it is used)");
        }
    }

    private static Anchor anchor(Event event) {
        return event instanceof NodeEvent n ? n.getAnchor().orElse(null) : null;
    }
}
