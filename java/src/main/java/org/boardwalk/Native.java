package org.boardwalk;

import java.io.File;
import java.lang.ref.Cleaner;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The JNI entry points (java/jni/boardwalk_jni.c) and the loading of libboardwalk_jni.so.
 *
 * <p>The library is looked for, in order: (1) {@code System.loadLibrary("boardwalk_jni")}, i.e.
 * {@code java.library.path}; (2) the file named by the system property {@code boardwalk.library},
 * then (3) by the environment variable {@code BOARDWALK_JNI_LIBRARY}; (4) next to the installed
 * jar: {@code P/lib/libboardwalk_jni.so} for {@code P/share/java/boardwalk.jar}. When none works,
 * the {@link UnsatisfiedLinkError} lists every place and why it failed.
 */
final class Native {
    private Native() {}

    static final String LIBRARY = "boardwalk_jni";
    static final Cleaner CLEANER = Cleaner.create();
    /** Where the library was loaded from (for {@link Boardwalk#nativeLibrary()}). */
    static final String LOADED_FROM;

    static {
        LOADED_FROM = load();
        int mismatch = nInit();
        if (mismatch != 0) {
            throw new UnsatisfiedLinkError("boardwalk: libboardwalk " + nVersion()
                    + " does not match the boardwalk.h the JNI library was built with (major "
                    + mismatch + ")");
        }
    }

    private static String load() {
        List<String> tried = new ArrayList<>();
        try {
            System.loadLibrary(LIBRARY);
            return "java.library.path";
        } catch (UnsatisfiedLinkError e) {
            tried.add("java.library.path (" + System.getProperty("java.library.path") + "): " + e.getMessage());
        }
        String[][] named = {
            {"system property boardwalk.library", System.getProperty("boardwalk.library")},
            {"environment variable BOARDWALK_JNI_LIBRARY", System.getenv("BOARDWALK_JNI_LIBRARY")},
        };
        for (String[] n : named) {
            if (n[1] == null || n[1].isEmpty()) {
                tried.add(n[0] + ": not set");
                continue;
            }
            String p = new File(n[1]).getAbsolutePath();
            try {
                System.load(p);
                return p;
            } catch (UnsatisfiedLinkError e) {
                tried.add(n[0] + " = " + p + ": " + e.getMessage());
            }
        }
        Path beside = besideJar();
        if (beside == null) {
            tried.add("next to the jar: the classes were not loaded from a jar file");
        } else if (!Files.exists(beside)) {
            tried.add("next to the jar: " + beside + ": no such file");
        } else {
            try {
                System.load(beside.toString());
                return beside.toString();
            } catch (UnsatisfiedLinkError e) {
                tried.add("next to the jar: " + beside + ": " + e.getMessage());
            }
        }
        throw new UnsatisfiedLinkError("boardwalk: cannot load lib" + LIBRARY + ".so; looked in:\n  "
                + String.join("\n  ", tried)
                + "\n(set -Djava.library.path=DIR, -Dboardwalk.library=FILE or BOARDWALK_JNI_LIBRARY=FILE)");
    }

    /** P/lib/libboardwalk_jni.so for a jar at P/share/java/boardwalk.jar, or null. */
    private static Path besideJar() {
        try {
            CodeSource cs = Native.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) return null;
            Path jar = Paths.get(cs.getLocation().toURI());
            if (!Files.isRegularFile(jar)) return null;
            Path dir = jar.toAbsolutePath().getParent();
            if (dir == null || dir.getParent() == null || dir.getParent().getParent() == null) return null;
            return dir.getParent().getParent().resolve("lib").resolve(System.mapLibraryName(LIBRARY));
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A path as the C library takes it: the file system's encoding, NUL-terminated. */
    static byte[] cPath(Path path) {
        Charset cs;
        try {
            cs = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            cs = StandardCharsets.UTF_8;
        }
        byte[] b = path.toString().getBytes(cs);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    /** A string as a NUL-terminated UTF-8 C string (null for null). */
    static byte[] cString(String s) {
        if (s == null) return null;
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    static String strerror(int code) {
        return nStrerror(code);
    }

    // Called from C to make the exception it throws (one class per code, in Java).
    static Throwable exception(int code, String detail) {
        String text = nStrerror(code);
        return BoardwalkException.of(code, detail == null || detail.isEmpty() ? text : text + ": " + detail);
    }

    static Throwable unknownNode(int code, int kind, long id) {
        Kind k = Kind.of(kind);
        String msg = nStrerror(code) + ": " + k.name().toLowerCase() + " " + Long.toUnsignedString(id)
                + " is not in the graph";
        return new UnknownNodeException(code, msg, k, id);
    }

    // --- natives (boardwalk_jni.c) ---
    /** Caches classes and methods; returns 0, or the library's major version when it differs. */
    static native int nInit();

    static native String nStrerror(int code);

    static native String nVersion();

    static native long nOpen(byte[] path, int flags);

    static native void nClose(long graph);

    /** [mask of present statistics, then BW_STAT_* 1..18]. */
    static native long[] nStats(long graph);

    static native byte[] nTitle(long graph, int kind, long id);

    /** op 0: check the parameters only (graph 0); 1: recommend; 2: score. One of graph, live is 0. */
    static native Recommendations nRun(long graph, long live, int op, long[] pins, double[] pinWeights,
            long[] boards, double[] boardWeights, long[] exclude, long[] candidates, long[] ints,
            double[] reals, byte[] language, byte[] topic);

    static native long nLiveOpen(byte[] path, int flags);

    static native void nLiveSwap(long live, byte[] path, int flags);

    static native long nLiveGeneration(long live);

    static native long nLiveAcquire(long live);

    static native void nLiveClose(long live);

    /** bw_live_add_edges: [added, duplicates, refused]; times may be null. */
    static native long[] nLiveAddEdges(long live, long[] pins, long[] boards, long[] times);

    /** bw_live_remove_edges: [removed, missing]. */
    static native long[] nLiveRemoveEdges(long live, long[] pins, long[] boards);

    static native void nLiveHide(long live, int kind, long id);

    static native void nLiveSetMaxEdges(long live, long maxEdges);

    /** bw_live_stat BW_LIVE_STAT_EDGES (1) ... BW_LIVE_STAT_SEGMENTS (9), in order. */
    static native long[] nLiveStats(long live);
}
