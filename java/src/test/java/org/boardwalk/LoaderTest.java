package org.boardwalk;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the jar finds libboardwalk_jni.so, in fresh JVMs (`java -jar boardwalk.jar`). */
class LoaderTest {
    @TempDir
    Path tmp;

    static Path jar() throws Exception {
        Path p = Path.of(Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(p), "classes not from a jar");
        return p;
    }

    static String[] run(List<String> cmd, String envLibrary) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("BOARDWALK_JNI_LIBRARY");
        pb.environment().remove("LD_LIBRARY_PATH");
        if (envLibrary != null) pb.environment().put("BOARDWALK_JNI_LIBRARY", envLibrary);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void findsItOrSaysWhereItLooked() throws Exception {
        Path jar = jar();
        // The real library: the one this JVM loaded.
        String loaded = Boardwalk.nativeLibrary();
        Path lib = loaded.startsWith("/") ? Path.of(loaded)
                : Path.of(System.getProperty("boardwalk.test.jnilib", "/nonexistent"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(lib), "no library file to copy");

        // A jar alone in P/share/java, nothing at P/lib: the error names every place.
        Path alone = Files.createDirectories(tmp.resolve("p/share/java")).resolve("boardwalk.jar");
        Files.copy(jar, alone);
        String[] r = run(List.of(java(), "-Djava.library.path=" + tmp.resolve("nowhere"), "-jar", alone.toString()), null);
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("cannot load libboardwalk_jni.so; looked in"), r[1]);
        assertTrue(r[1].contains("java.library.path (" + tmp.resolve("nowhere")), r[1]);
        assertTrue(r[1].contains("system property boardwalk.library: not set"), r[1]);
        assertTrue(r[1].contains("environment variable BOARDWALK_JNI_LIBRARY: not set"), r[1]);
        assertTrue(r[1].contains(tmp.resolve("p/lib/libboardwalk_jni.so").toString() + ": no such file"), r[1]);

        // Named by the property, by the environment; then found next to the jar.
        r = run(List.of(java(), "-Djava.library.path=/nonexistent", "-Dboardwalk.library=" + lib, "-jar", alone.toString()), null);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("JNI library: " + lib), r[1]);
        r = run(List.of(java(), "-Djava.library.path=/nonexistent", "-jar", alone.toString()), lib.toString());
        assertEquals("0", r[0], r[1]);
        Path libdir = Files.createDirectories(tmp.resolve("p/lib"));
        for (Path f : Files.newDirectoryStream(lib.getParent(), "libboardwalk*.so*")) {
            Files.copy(f, libdir.resolve(f.getFileName()), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        r = run(List.of(java(), "-Djava.library.path=/nonexistent", "-jar", alone.toString()), null);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("JNI library: " + libdir.resolve("libboardwalk_jni.so")), r[1]);
    }
}
