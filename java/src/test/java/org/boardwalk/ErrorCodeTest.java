package org.boardwalk;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ErrorCode's constants are checked against boardwalk.h itself, not trusted as copied. */
class ErrorCodeTest {
    static Map<String, Integer> headerCodes() throws Exception {
        String h = Files.readString(TestGraphs.header());
        Matcher m = Pattern.compile("(?m)^#define BW_(E[A-Z]+|SUCCESS|ERRCODE_FIRST|ERRCODE_LAST)\\s+\\(?(-?\\d+)\\)?").matcher(h);
        Map<String, Integer> codes = new LinkedHashMap<>();
        while (m.find()) codes.put(m.group(1), Integer.parseInt(m.group(2)));
        return codes;
    }

    @Test
    void everyHeaderCodeHasTheSameValueInJava() throws Exception {
        Map<String, Integer> codes = headerCodes();
        assertTrue(codes.size() >= 13, "parsed " + codes);
        for (Map.Entry<String, Integer> e : codes.entrySet()) {
            String field = switch (e.getKey()) {
                case "ERRCODE_FIRST" -> "FIRST";
                case "ERRCODE_LAST" -> "LAST";
                default -> e.getKey();
            };
            int java = ErrorCode.class.getField(field).getInt(null);
            assertEquals(e.getValue().intValue(), java, "BW_" + e.getKey());
        }
    }

    @Test
    void everyJavaCodeIsInTheHeader() throws Exception {
        Map<String, Integer> codes = headerCodes();
        for (var f : ErrorCode.class.getFields()) {
            String name = switch (f.getName()) {
                case "FIRST" -> "ERRCODE_FIRST";
                case "LAST" -> "ERRCODE_LAST";
                default -> f.getName();
            };
            assertTrue(codes.containsKey(name), "ErrorCode." + f.getName() + " is not in boardwalk.h");
        }
    }

    @Test
    void oneExceptionClassPerCode() throws Exception {
        Map<String, Integer> codes = headerCodes();
        var seen = new java.util.HashSet<Class<?>>();
        for (int code = codes.get("ERRCODE_FIRST"); code <= codes.get("ERRCODE_LAST"); code++) {
            BoardwalkException e = BoardwalkException.of(code, "m");
            assertEquals(code, e.code());
            assertNotEquals(BoardwalkException.class, e.getClass(), "code " + code);
            assertTrue(seen.add(e.getClass()), "two codes share " + e.getClass());
            // bw_strerror knows every code (not its "unknown" text).
            assertFalse(Boardwalk.strerror(code).isEmpty());
        }
        assertEquals(StorageException.class, BoardwalkException.of(-30798, "m").getClass());
        assertEquals(SystemException.class, BoardwalkException.of(2, "m").getClass());
        assertInstanceOf(InvalidArgumentException.class, new GraphClosedException("graph"));
        assertEquals(ErrorCode.EINVAL, new GraphClosedException("graph").code());
    }

    @Test
    void versionMatchesTheHeader() throws Exception {
        String h = Files.readString(TestGraphs.header());
        Matcher m = Pattern.compile("#define BW_VERSION_STRING \"([^\"]+)\"").matcher(h);
        assertTrue(m.find());
        assertEquals(m.group(1), Boardwalk.version());
    }
}
