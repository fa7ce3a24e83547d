package io.averon.ps.shard;

/**
 * How sharded averaging splits a worker's vector (parameters, then optional updater state) among
 * {@code shards} owners: the parameters into {@code shards} contiguous ranges, the updater state
 * likewise, and owner {@code r} averages parameter range {@code r} followed by updater range
 * {@code r}. A contribution without updater state therefore gives every owner its parameter range
 * alone, and one with it gives every owner both: either way the owner's slice is one of the two
 * lengths its {@link #parameters}/{@link #updaterState} fingerprint allows. Immutable.
 */
public record ShardLayout(int parameterCount, int updaterStateCount, int shards) {

    public ShardLayout {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
        if (parameterCount < shards) {
            throw new IllegalArgumentException("sharded averaging needs at least one parameter per worker: "
                    + parameterCount + " parameters, " + shards + " workers");
        }
        if (updaterStateCount < 0) {
            throw new IllegalArgumentException("updaterStateCount must be >= 0, got " + updaterStateCount);
        }
    }

    /** First parameter of shard {@code r}. */
    public int parameterStart(int r) {
        return (int) ((long) parameterCount * r / shards);
    }

    /** Parameters in shard {@code r}. */
    public int parameters(int r) {
        return parameterStart(r + 1) - parameterStart(r);
    }

    /** First updater-state value of shard {@code r}, counted from the start of the updater state. */
    public int updaterStart(int r) {
        return (int) ((long) updaterStateCount * r / shards);
    }

    /** Updater-state values in shard {@code r}. */
    public int updaterState(int r) {
        return updaterStart(r + 1) - updaterStart(r);
    }

    /** Values of shard {@code r} in a vector of {@code count} values (parameters only, or with updater state). */
    public int sliceLength(int r, int count) {
        return parameters(r) + (count > parameterCount ? updaterState(r) : 0);
    }

    /** Copies shard {@code r} of {@code vector[0 .. count)} into {@code slice}; returns its length. */
    public int scatter(int r, float[] vector, int count, float[] slice) {
        int p = parameters(r);
        System.arraycopy(vector, parameterStart(r), slice, 0, p);
        if (count > parameterCount) {
            System.arraycopy(vector, parameterCount + updaterStart(r), slice, p, updaterState(r));
        }
        return sliceLength(r, count);
    }

    /** Copies {@code slice[0 .. length)} of shard {@code r} back into its places in {@code vector}. */
    public void gather(int r, float[] slice, int length, float[] vector) {
        int p = parameters(r);
        if (length != p && length != p + updaterState(r)) {
            throw new IllegalArgumentException("shard " + r + " holds " + p + " or " + (p + updaterState(r))
                    + " values, got " + length);
        }
        System.arraycopy(slice, 0, vector, parameterStart(r), p);
        if (length > p) {
            System.arraycopy(slice, p, vector, parameterCount + updaterStart(r), updaterState(r));
        }
    }
}
