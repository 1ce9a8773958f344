// Recommend: the best pins for one pin of a Boardwalk graph, from Java
// through the org.boardwalk binding (JNI over libboardwalk's C ABI).
//
//   javac -cp P/share/java/boardwalk.jar -d . Recommend.java
//   java -cp P/share/java/boardwalk.jar:. Recommend GRAPH PIN [TOP]
//
// (P: the prefix of `Tools/install --prefix P`; the jar finds
// P/lib/libboardwalk_jni.so by itself, or give -Djava.library.path=DIR.)
// Prints one line per result, best first: rank, pin id, score, visits and
// title, separated by tabs. The walk uses seed 1, so the output is the same
// as `boardwalk query GRAPH --pin PIN --top TOP --seed 1` and the same query
// from C, Python, Go or Rust. Every failure is reported with its message
// (bw_strerror's text first) and exits 1.
import java.nio.file.Path;
import org.boardwalk.BoardwalkException;
import org.boardwalk.Graph;
import org.boardwalk.OpenOptions;
import org.boardwalk.Query;
import org.boardwalk.Recommendation;

public final class Recommend {
    public static void main(String[] args) {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: java Recommend GRAPH PIN [TOP]");
            System.exit(64);
        }
        long pin;
        int top = 10;
        try {
            pin = Long.parseUnsignedLong(args[1]);
            if (args.length == 3) top = Integer.parseUnsignedInt(args[2]);
        } catch (NumberFormatException e) {
            System.err.println("not a number: " + e.getMessage());
            System.exit(64);
            return;
        }
        // Verify the whole file first: do this for graph files you did not build.
        try (Graph graph = Graph.open(Path.of(args[0]), OpenOptions.verified())) {
            Query query = Query.builder().pin(pin, 1.0).top(top).seed(1).build();
            int rank = 0;
            StringBuilder out = new StringBuilder();
            for (Recommendation r : graph.recommend(query)) {
                out.append(++rank).append('\t').append(Long.toUnsignedString(r.id())).append('\t')
                        .append(r.score()).append('\t').append(r.visits()).append('\t')
                        .append(graph.title(r.id()).orElse("")).append('\n');
            }
            System.out.print(out);
        } catch (BoardwalkException e) {
            System.err.println("recommend: " + e.getMessage());
            System.exit(1);
        }
    }
}
