package org.boardwalk;

/**
 * How {@link Graph#open(java.nio.file.Path, OpenOptions)} opens a file: the flags of
 * {@code bw_graph_open}. Immutable; change one with the {@code with*} methods.
 *
 * @param verify full verification before returning ({@code BW_OPEN_VERIFY}, O(size)): for files
 *     you did not build
 * @param noReadahead no OS read-ahead ({@code BW_OPEN_NORDAHEAD}): for graphs larger than RAM
 * @param prefault ask the OS to load the whole file now ({@code BW_OPEN_PREFAULT})
 */
public record OpenOptions(boolean verify, boolean noReadahead, boolean prefault) {
    /** No flags. */
    public static OpenOptions defaults() {
        return new OpenOptions(false, false, false);
    }

    /** Verification only. */
    public static OpenOptions verified() {
        return new OpenOptions(true, false, false);
    }

    public OpenOptions withVerify(boolean v) {
        return new OpenOptions(v, noReadahead, prefault);
    }

    public OpenOptions withNoReadahead(boolean v) {
        return new OpenOptions(verify, v, prefault);
    }

    public OpenOptions withPrefault(boolean v) {
        return new OpenOptions(verify, noReadahead, v);
    }

    int flags() {
        return (verify ? 1 : 0) | (noReadahead ? 2 : 0) | (prefault ? 4 : 0);
    }
}
