// QueryJson GRAPH FLAGS...: one walk through the Java binding, printed as
// JSON like `boardwalk query --json`, `test_abi --query` and run_abi_tests.sh's
// py_query.py (the same flags), for the cross-language check.
import java.nio.file.Path;
import org.boardwalk.Graph;
import org.boardwalk.Kind;
import org.boardwalk.Method;
import org.boardwalk.Query;
import org.boardwalk.Recommendation;
import org.boardwalk.Recommendations;

public final class QueryJson {
    public static void main(String[] args) {
        Query.Builder b = Query.builder();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--no-boost" -> b.boost(false);
                case "--no-early-stop" -> b.noEarlyStop();
                case "--include-boards" -> b.includeBoards(true);
                default -> {
                    String v = args[++i];
                    switch (a) {
                        case "--pin", "--board" -> {
                            int c = v.indexOf(':');
                            long id = Long.parseUnsignedLong(c < 0 ? v : v.substring(0, c));
                            double w = c < 0 ? 1.0 : Double.parseDouble(v.substring(c + 1));
                            if (a.equals("--pin")) b.pin(id, w); else b.board(id, w);
                        }
                        case "--seed" -> b.seed(Long.parseUnsignedLong(v));
                        case "--top" -> b.top(Integer.parseInt(v));
                        case "--steps" -> b.steps(Long.parseLong(v));
                        case "--restart" -> b.restart(Double.parseDouble(v));
                        case "--bias" -> b.bias(Double.parseDouble(v));
                        case "--popularity-penalty" -> b.popularityPenalty(Double.parseDouble(v));
                        case "--method" -> b.method(v.equals("exact") ? Method.EXACT : Method.WALK);
                        case "--exponent" -> b.exponent(Double.parseDouble(v));
                        case "--language" -> b.language(v);
                        case "--topic" -> b.topic(v);
                        default -> throw new IllegalArgumentException("QueryJson: unknown flag " + a);
                    }
                }
            }
        }
        Query q = b.build();
        try (Graph g = Graph.open(Path.of(args[0]))) {
            Recommendations r = g.recommend(q);
            StringBuilder out = new StringBuilder("{\"results\":[");
            for (int i = 0; i < r.size(); i++) {
                Recommendation x = r.get(i);
                out.append(i > 0 ? "," : "").append("{\"id\":").append(Long.toUnsignedString(x.id()))
                        .append(x.kind() == Kind.BOARD ? ",\"kind\":\"board\"" : "")
                        .append(",\"score\":").append(x.score()).append(",\"visits\":").append(x.visits()).append('}');
            }
            out.append("],\"steps\":").append(r.steps()).append(",\"partial\":").append(r.partial()).append('}');
            System.out.println(out);
        }
    }
}
