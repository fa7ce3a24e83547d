package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility bridge so that DL4J 1.0.0-M2.1 can see that oneDNN is enabled.
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN()} by reflection. In ND4J 1.0.0-M2.1
 * that class moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and the
 * method became {@code isUseONEDNN()}; DL4J swallows the ClassNotFoundException and silently
 * never uses its oneDNN layer helpers. This class restores the old name and forwards to the new
 * one (by reflection, so the module still compiles against the CUDA backend, where it is unused).
 * Nothing else in Averon calls it.
 */
public final class Nd4jCpu {

    private static final String MOVED_TO = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

    private Nd4jCpu() {
    }

    /** The old-name view of libnd4j's environment that DL4J's helper check expects. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Forwards to {@code isUseONEDNN()} of the relocated class; false if it is not present. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> moved = Class.forName(MOVED_TO);
                Object environment = moved.getMethod("getInstance").invoke(null);
                Method useOneDnn = moved.getMethod("isUseONEDNN");
                return (Boolean) useOneDnn.invoke(environment);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
