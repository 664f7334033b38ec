package dev.contain.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Values given on the command line for one run (--memory 64Mi, --ip ..., a command after --). They become
 * nodes of the spec's YAML tree, marked with the flag's name, so the one validator checks them and its
 * messages name the flag: {@code --memory: '64MB' is not a valid memory quantity ...}.
 */
public final class SpecOverrides {
    private final List<NodeTuple> tuples = new ArrayList<>();

    public SpecOverrides set(String flag, String path, String value) {
        if (value != null) {
            tuples.add(tuple(path, new ScalarNode(Tag.STR, true, value, ScalarStyle.PLAIN, mark(flag), mark(flag))));
        }
        return this;
    }

    public SpecOverrides list(String flag, String key, List<String> values) {
        if (values != null && !values.isEmpty()) {
            List<Node> items = new ArrayList<>();
            for (String v : values) {
                items.add(new ScalarNode(Tag.STR, true, v, ScalarStyle.PLAIN, mark(flag), mark(flag)));
            }
            tuples.add(tuple(key, new SequenceNode(Tag.SEQ, true, items, FlowStyle.FLOW, mark(flag), mark(flag))));
        }
        return this;
    }

    public SpecOverrides env(String flag, Map<String, String> env) {
        if (env != null && !env.isEmpty()) {
            List<NodeTuple> entries = new ArrayList<>();
            env.forEach((k, v) -> entries.add(new NodeTuple(scalar(flag, k), scalar(flag, v))));
            tuples.add(tuple("env", new MappingNode(Tag.MAP, true, entries, FlowStyle.FLOW, mark(flag), mark(flag))));
        }
        return this;
    }

    public List<NodeTuple> tuples() {
        return List.copyOf(tuples);
    }

    /**
     * A copy of {@code root} with the overrides merged in. A path like "resources.memory" replaces one
     * key of a nested mapping; "env" entries are added to the spec's own env; "network.address" sets the
     * address of a single bridge network (made a bridge on the default one if the spec has none), and is
     * refused, with a problem named by its flag, when the spec's network is another mode or several.
     */
    static MappingNode applyTo(MappingNode root, List<NodeTuple> overrides, Yaml yaml) {
        MappingNode copy = copy(root);
        for (NodeTuple t : overrides) {
            String path = ((ScalarNode) t.getKeyNode()).getValue();
            String[] parts = path.split("\\.");
            MappingNode target = copy;
            for (int i = 0; i < parts.length - 1 && target != null; i++) {
                target = child(target, parts[i], t.getValueNode(), yaml);
            }
            if (target == null) {
                continue;
            }
            String key = parts[parts.length - 1];
            if (key.equals("env") && find(target, "env") instanceof MappingNode env) {
                List<NodeTuple> merged = new ArrayList<>(env.getValue());
                merged.removeIf(e -> ((MappingNode) t.getValueNode()).getValue().stream().anyMatch(o -> sameKey(o, e)));
                merged.addAll(((MappingNode) t.getValueNode()).getValue());
                put(target, "env", new MappingNode(Tag.MAP, true, merged, FlowStyle.BLOCK, env.getStartMark(), env.getEndMark()));
            } else {
                put(target, key, t.getValueNode());
                if (key.equals("command")) {
                    remove(target, "args"); // a command given for this run replaces the spec's command and args
                }
            }
        }
        return copy;
    }

    /**
     * The nested mapping under key, created (or copied, so the original stays as parsed) in place; null,
     * reported at the flag, when the key is the network and it is not one bridge network.
     */
    private static MappingNode child(MappingNode parent, String key, Node flag, Yaml yaml) {
        Node existing = find(parent, key);
        boolean network = key.equals("network");
        if (network && existing instanceof SequenceNode list && list.getValue().size() == 1) {
            Node only = list.getValue().get(0);
            MappingNode entry = only instanceof MappingNode m ? copy(m) : isBridgeWord(only) ? emptyMapping() : null;
            if (entry != null) {
                put(parent, key, new SequenceNode(list.getTag(), true, new ArrayList<>(List.of(entry)), list.getFlowStyle(),
                        list.getStartMark(), list.getEndMark()));
                return entry;
            }
        }
        MappingNode child;
        if (existing instanceof MappingNode m) {
            child = copy(m);
        } else if (existing == null || network && isBridgeWord(existing)) {
            child = emptyMapping();
        } else if (network) {
            String what = existing instanceof SequenceNode list ? "a list of " + list.getValue().size() + " networks"
                    : existing instanceof ScalarNode s ? Shown.quote(s.getValue()) : Yaml.kind(existing);
            yaml.error(flag, "the spec's network is " + what + "; this flag sets the address of a single bridge network "
                    + "(set addresses in the spec instead)");
            return null;
        } else {
            return emptyMapping(); // a list or a word where a mapping belongs: the spec's own problem, reported as written
        }
        put(parent, key, child);
        return child;
    }

    private static boolean isBridgeWord(Node node) {
        return node instanceof ScalarNode s && s.getValue().equals("bridge");
    }

    private static MappingNode emptyMapping() {
        return new MappingNode(Tag.MAP, new ArrayList<>(), FlowStyle.BLOCK);
    }

    private static MappingNode copy(MappingNode m) {
        return new MappingNode(m.getTag(), true, new ArrayList<>(m.getValue()), m.getFlowStyle(), m.getStartMark(), m.getEndMark());
    }

    private static Node find(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static void put(MappingNode m, String key, Node value) {
        List<NodeTuple> list = m.getValue();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                list.set(i, new NodeTuple(list.get(i).getKeyNode(), value));
                return;
            }
        }
        list.add(new NodeTuple(new ScalarNode(Tag.STR, key, ScalarStyle.PLAIN), value));
    }

    private static void remove(MappingNode m, String key) {
        m.getValue().removeIf(t -> t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key));
    }

    private static boolean sameKey(NodeTuple a, NodeTuple b) {
        return a.getKeyNode() instanceof ScalarNode x && b.getKeyNode() instanceof ScalarNode y && x.getValue().equals(y.getValue());
    }

    private static NodeTuple tuple(String path, Node value) {
        return new NodeTuple(new ScalarNode(Tag.STR, path, ScalarStyle.PLAIN), value);
    }

    private static ScalarNode scalar(String flag, String value) {
        return new ScalarNode(Tag.STR, true, value, ScalarStyle.PLAIN, mark(flag), mark(flag));
    }

    /** Line -1 tells {@link Yaml} that the value came from a flag, not from the file. */
    private static Optional<Mark> mark(String flag) {
        return Optional.of(new Mark(flag, 0, -1, -1, new int[0], 0));
    }
}
