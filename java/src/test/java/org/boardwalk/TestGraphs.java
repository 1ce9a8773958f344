package org.boardwalk;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files the tests use, named by system properties (Tests/c/run_abi_tests.sh sets them):
 * boardwalk.test.graph (the sample graph, with titles and attributes) and boardwalk.test.header
 * (boardwalk.h).
 */
final class TestGraphs {
    private TestGraphs() {}

    static Path property(String name) {
        String v = System.getProperty(name);
        if (v == null) throw new IllegalStateException("set -D" + name);
        Path p = Path.of(v);
        if (!Files.exists(p)) throw new IllegalStateException(name + ": no such file: " + p);
        return p;
    }

    static Path sample() {
        return property("boardwalk.test.graph");
    }

    static Path header() {
        return property("boardwalk.test.header");
    }

    /** The demo pins of the sample graph (README, run_abi_tests.sh). */
    static final long DEMO = 7136620868348139334L;
    static final long OTHER = 7291942844818578009L;
    static final long BOARD = 571480179736215237L;
}
