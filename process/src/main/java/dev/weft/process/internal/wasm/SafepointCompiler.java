package dev.weft.process.internal.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.wasm.WasmModule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Compiles a module with Chicory's compiler so that its safepoints can preempt it.
 *
 * <p>Chicory's compiled code already calls a static {@code checkInterruption()} of a helper class
 * it generates per module before every call and at every loop back-edge. This compiler has Chicory
 * hand over the generated classes through its public {@link com.dylibso.chicory.compiler.Cache}
 * (a jar), replaces that one method's body by a call to {@link GuestSafepoint#check()}, and has
 * Chicory load the result. The guest's own code is not touched, and a guest that nobody waits for
 * pays one read of a static field per safepoint. (Counting fuel instead costs a read-modify-write
 * of a global at every function entry: +100% to +200% on call-heavy code such as fib, measured.)
 * Functions too large for the JVM run in Chicory's interpreter ({@link ChicoryCompiler}), whose
 * safepoints are {@link InterpretedSafepoints}.
 *
 * <p>When the generated classes do not look as expected (another Chicory version), or cannot see
 * {@link GuestSafepoint}, it refuses with {@link Unsupported} and the caller counts fuel instead.
 */
public final class SafepointCompiler {

    /** This compiler cannot hook the module's compiled code; count fuel instead. */
    public static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        public Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    static final String HOOKED_METHOD = "checkInterruption";
    private static final String HOOK_OWNER = GuestSafepoint.class.getName().replace('.', '/');

    private SafepointCompiler() {}

    /**
     * {@code module}, compiled with hooked safepoints. Chicory's compile failures other than a
     * function too large for the JVM are thrown as Chicory throws them.
     */
    public static ChicoryCompiler.Compiled compile(WasmModule module) throws Unsupported {
        if (module.digest() == null) {
            throw new Unsupported("the module has no digest to key Chicory's cache");
        }
        checkHookVisible();
        byte[] classes = ChicoryCompiler.generate(module);
        if (classes == null) {
            throw new Unsupported("Chicory's compiler did not hand over its classes");
        }
        return new ChicoryCompiler.Compiled(ChicoryCompiler.load(module, hook(classes)),
                InterpretedFunctions.in(classes));
    }

    /** The generated classes are defined by a loader below Chicory's: it must see the hook. */
    private static void checkHookVisible() throws Unsupported {
        try {
            Class<?> seen = Class.forName(GuestSafepoint.class.getName(), false,
                    MachineFactoryCompiler.class.getClassLoader());
            if (seen != GuestSafepoint.class) {
                throw new Unsupported("Chicory's class loader sees another copy of " + seen.getName());
            }
        } catch (ClassNotFoundException e) {
            throw new Unsupported("Chicory's class loader cannot see " + GuestSafepoint.class.getName());
        }
    }

    /** Rewrites the jar of generated classes; exactly one class must define the hooked method. */
    static byte[] hook(byte[] jar) throws Unsupported {
        ByteArrayOutputStream out = new ByteArrayOutputStream(jar.length + 256);
        int hooked = 0;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar));
                JarOutputStream rewritten = new JarOutputStream(out)) {
            JarEntry entry;
            while ((entry = in.getNextJarEntry()) != null) {
                byte[] bytes = in.readAllBytes();
                if (entry.getName().endsWith(".class")) {
                    int[] count = {0};
                    bytes = hookClass(bytes, count);
                    hooked += count[0];
                }
                rewritten.putNextEntry(new JarEntry(entry.getName()));
                rewritten.write(bytes);
                rewritten.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            throw new Unsupported("cannot rewrite Chicory's generated classes: " + e);
        }
        if (hooked != 1) {
            throw new Unsupported("expected one static " + HOOKED_METHOD + "()V in Chicory's generated classes, found "
                    + hooked);
        }
        return out.toByteArray();
    }

    private static byte[] hookClass(byte[] bytes, int[] count) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0); // unchanged methods are copied as they are
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                if (!name.equals(HOOKED_METHOD) || !descriptor.equals("()V") || (access & Opcodes.ACC_STATIC) == 0) {
                    return mv;
                }
                count[0]++;
                mv.visitCode();
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, HOOK_OWNER, "check", "()V", false);
                mv.visitInsn(Opcodes.RETURN);
                mv.visitMaxs(0, 0);
                mv.visitEnd();
                return null; // drop the original body
            }
        }, 0);
        return writer.toByteArray();
    }
}
