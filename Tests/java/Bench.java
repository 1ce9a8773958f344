// Bench GRAPH PIN STEPS QUERIES [WARMUP]: the Java side of the overhead
// benchmark (Tests/java/bench_overhead.sh): QUERIES walks of STEPS steps
// from PIN (seed varying per query, as bench_jni.c), after WARMUP untimed
// ones for the JIT. Prints "java <queries> <seconds> <us/query wall>
// <us/query CPU of the thread>" (CPU time: steadier on a shared machine).
import java.nio.file.Path;
import org.boardwalk.Graph;
import org.boardwalk.Query;

public final class Bench {
    public static void main(String[] args) {
        long pin = Long.parseUnsignedLong(args[1]);
        long steps = Long.parseLong(args[2]);
        int queries = Integer.parseInt(args[3]);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
        Query[] qs = new Query[64];
        for (int i = 0; i < qs.length; i++) {
            qs[i] = Query.builder().pin(pin).steps(steps).top(100).seed(i).build();
        }
        long sink = 0;
        try (Graph g = Graph.open(Path.of(args[0]))) {
            for (int i = 0; i < warmup; i++) sink += g.recommend(qs[i & 63]).size();
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < queries; i++) sink += g.recommend(qs[i & 63]).steps();
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
            System.out.printf("java %d %.6f %.3f %.3f%n", queries, s, s * 1e6 / queries, cpu * 1e6 / queries);
        }
        if (sink == 42) System.out.println();
    }
}
