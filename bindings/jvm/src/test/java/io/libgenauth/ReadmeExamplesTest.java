package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Every code block of README.md marked {@code <!-- example from FILE#NAME -->} is a copy of the
 * region {@code readme-example:NAME:start} .. {@code readme-example:NAME:end} of that test file
 * (without a name: {@code readme-example:start}), common indentation removed (and, inside a
 * list item, the block indented like its marker).
 */
class ReadmeExamplesTest {
    private static final String MARKER = "<!-- example from ";

    @Test
    void examplesAreCopiesOfTests() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int count = 0;
        for (int i = 0; i < readme.size(); i++) {
            String line = readme.get(i).trim();
            if (!line.startsWith(MARKER)) continue;
            String ref = line.substring(MARKER.length(), line.length() - "-->".length()).trim();
            String file = ref.contains("#") ? ref.substring(0, ref.indexOf('#')) : ref;
            String name = ref.contains("#") ? ref.substring(ref.indexOf('#') + 1) + ":" : "";
            // A block inside a list item is indented like its marker.
            int indent = readme.get(i).length() - readme.get(i).stripLeading().length();
            assertTrue(readme.get(i + 1).trim().startsWith("```"), "a code block follows " + line);
            List<String> block = new ArrayList<>();
            int j = i + 2;
            while (!readme.get(j).trim().startsWith("```")) {
                String l = readme.get(j++);
                block.add(l.length() >= indent ? l.substring(indent) : l.trim());
            }
            assertEquals(region(file, name), String.join("\n", block), "README block of " + ref);
            count++;
        }
        assertTrue(count >= 6, "README quotes " + count + " examples");
    }

    private static String region(String file, String name) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(file));
        List<String> region = new ArrayList<>();
        boolean in = false;
        for (String l : lines) {
            if (l.contains("readme-example:" + name + "end")) break;
            if (in) region.add(l);
            if (l.contains("readme-example:" + name + "start")) in = true;
        }
        assertFalse(region.isEmpty(), file + " has no region " + name);
        int indent = Integer.MAX_VALUE;
        for (String l : region) {
            if (!l.trim().isEmpty()) indent = Math.min(indent, l.length() - l.stripLeading().length());
        }
        List<String> out = new ArrayList<>();
        for (String l : region) out.add(l.length() >= indent ? l.substring(indent).stripTrailing() : "");
        return String.join("\n", out);
    }
}
