package io.averon.core.data;

import java.util.List;

/** What a data set's examples are labelled with: class indices, or real-valued regression targets. */
public sealed interface Labels permits Labels.Classes, Labels.Targets {

    int size();

    /** Labels of the given examples, in the given order. */
    Labels select(int[] indices);

    /**
     * Class labels: {@code values[i]} is an index into {@code classNames}.
     *
     * @param values     one class index per example, each in {@code [0, classNames.size())}
     * @param classNames the class names, index = class id
     */
    record Classes(int[] values, List<String> classNames) implements Labels {
        public Classes {
            classNames = List.copyOf(classNames);
            if (classNames.size() < 2) {
                throw new IllegalArgumentException("a classification data set needs at least 2 classes, got "
                        + classNames.size());
            }
        }

        public int numClasses() {
            return classNames.size();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public Classes select(int[] indices) {
            int[] out = new int[indices.length];
            for (int i = 0; i < indices.length; i++) {
                out[i] = values[indices[i]];
            }
            return new Classes(out, classNames);
        }
    }

    /** Regression targets, one value per example. */
    record Targets(float[] values) implements Labels {
        @Override
        public int size() {
            return values.length;
        }

        @Override
        public Targets select(int[] indices) {
            float[] out = new float[indices.length];
            for (int i = 0; i < indices.length; i++) {
                out[i] = values[indices[i]];
            }
            return new Targets(out);
        }
    }
}
