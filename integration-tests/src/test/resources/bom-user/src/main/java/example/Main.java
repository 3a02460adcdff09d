package example;

import dev.weft.node.Node;

/** Starts a Weft node and stops it: enough to show that the BOM's artifacts fit together. */
public final class Main {
    public static void main(String[] args) {
        try (Node node = Node.builder().name("bom-user").build()) {
            System.out.println("weft node '" + node.name() + "' up");
        }
    }
}
