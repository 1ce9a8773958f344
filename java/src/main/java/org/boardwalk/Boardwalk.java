package org.boardwalk;

/** Versions and the native library in use. */
public final class Boardwalk {
    private Boardwalk() {}

    /** libboardwalk's version, "X.Y.Z" ({@code bw_libversion}). */
    public static String version() {
        return Native.nVersion();
    }

    /** Where libboardwalk_jni was loaded from ("java.library.path" or a file). */
    public static String nativeLibrary() {
        return Native.LOADED_FROM;
    }

    /** {@code java -jar boardwalk.jar}: prints the library's version and where the JNI library was loaded from. */
    public static void main(String[] args) {
        System.out.println("boardwalk " + version() + " (JNI library: " + nativeLibrary() + ")");
    }

    /** {@code bw_strerror(code)}: the C library's text for any code it returns. */
    public static String strerror(int code) {
        return Native.strerror(code);
    }
}
