package dev.weft.process.internal.wasm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Which functions Chicory's compiler left to its interpreter, read from the classes it generated
 * (Chicory's public API does not say). Chicory 1.7.5's machine class builds the interpreter in
 * its constructor from an array literal of their indices:
 * {@code new CompilerInterpreterMachine(instance, new int[] {3871})}; only constructors are read.
 * Another Chicory that did it differently would make this report too few, nothing worse: Weft's
 * safepoints for interpreted code ({@link InterpretedSafepoints}) do not depend on it.
 */
final class InterpretedFunctions {

    private static final String MACHINE = "com/dylibso/chicory/runtime/internal/CompilerInterpreterMachine";

    private InterpretedFunctions() {}

    /** The indices, in the function index space (imports first), in the jar Chicory's Cache holds. */
    static Set<Integer> in(byte[] jar) {
        Set<Integer> found = new TreeSet<>();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            JarEntry entry;
            while ((entry = in.getNextJarEntry()) != null) {
                if (entry.getName().endsWith(".class")) {
                    scan(in.readAllBytes(), found);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Chicory's generated classes", e);
        }
        return Set.copyOf(found);
    }

    private static void scan(byte[] classBytes, Set<Integer> into) {
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return name.equals("<init>") ? new ArrayLiteral(into) : null;
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    }

    /** Collects the ints stored into the array literal passed to the interpreter's constructor. */
    private static final class ArrayLiteral extends MethodVisitor {
        private final Set<Integer> into;
        private final List<Integer> elements = new ArrayList<>();
        private Integer pushed; // the last int constant pushed, if the last instruction pushed one

        ArrayLiteral(Set<Integer> into) {
            super(Opcodes.ASM9);
            this.into = into;
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.IASTORE && pushed != null) {
                elements.add(pushed); // dup, index, value, iastore: the value was pushed last
            }
            pushed = opcode >= Opcodes.ICONST_M1 && opcode <= Opcodes.ICONST_5 ? opcode - Opcodes.ICONST_0 : null;
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            if (opcode == Opcodes.NEWARRAY) {
                elements.clear();
            }
            pushed = opcode == Opcodes.BIPUSH || opcode == Opcodes.SIPUSH ? operand : null;
        }

        @Override
        public void visitLdcInsn(Object value) {
            pushed = value instanceof Integer i ? i : null;
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            if (opcode == Opcodes.INVOKESPECIAL && owner.equals(MACHINE) && name.equals("<init>")) {
                into.addAll(elements);
            }
            pushed = null;
        }
    }
}
