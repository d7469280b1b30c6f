package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's data-science libraries: Debian's packages of the paper's executor image, seen
 * through the host's /usr. A first import of the heavy ones takes seconds under gVisor, so the
 * action timeout here is the containment tests' long one.
 */
@QuarkusTest
@TestProfile(DataScienceSandboxTest.Libraries.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class DataScienceSandboxTest extends SandboxTestBase {

    /** The containment tests' long action timeout, and the worker's default preload (the tests' profile turns it off). */
    public static class Libraries extends ContainmentTest.SlowMachineProof {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("codeact.worker.preload", "numpy,pandas,matplotlib.pyplot");
            config.put("codeact.instance-id", "data-science-test");
            return config;
        }
    }

    /** The paper's executor libraries, from Debian's packages, import in the sandbox. */
    @Test
    void theDataScienceLibrariesImport() throws Exception {
        List<JsonNode> obs = run("import numpy, pandas, scipy, sympy, sklearn, seaborn, matplotlib\n"
                + "print(pandas.DataFrame({'x': [1, 2]}).x.sum(), sympy.factor('x**2 - 1'))");
        JsonNode result = obs.get(0).get("result");
        assertTrue(result.path("error").isMissingNode() || result.get("error").isNull(), result.toString());
        assertEquals("3 (x - 1)*(x + 1)\n", result.get("output").asText());
    }

    /** Debian's matplotlib in the sandbox: a real figure is drawn, captured and displayed as PNG; the model reads its text. */
    @Test
    void openFiguresAreDisplayedAsPng() throws Exception {
        List<JsonNode> obs = run(Figures.SINE, "print(len(plt.get_fignums()))");
        assertEquals("drawn\n", obs.get(0).get("result").get("output").asText(), "nothing but the code's own output");
        JsonNode displays = obs.get(0).get("result").get("displays");
        assertEquals(1, displays.size());
        assertEquals("display", displays.get(0).get("kind").asText());
        byte[] png = Base64.getDecoder().decode(displays.get(0).get("data").get("image/png").asText());
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3));
        int width = ByteBuffer.wrap(png, 16, 4).getInt();
        assertTrue(width >= 200 && png.length > 5_000, "a drawn figure, not a placeholder: " + width + " px, " + png.length + " bytes");
        assertTrue(displays.get(0).get("data").get("text/plain").asText().startsWith("<Figure size "), displays.toString());
        String text = obs.get(0).get("text").asText();
        assertTrue(text.contains("<Figure size ") && text.contains("[shown to the user as image/png]"), text);
        assertEquals("0", obs.get(1).get("text").asText(), "figures are closed once shown");
    }

    /**
     * A DataFrame as the cell's value reaches the client as its HTML table too, while the model
     * reads its text; display() shows objects in their richest renderings (markdown, SVG, LaTeX).
     */
    @Test
    void richValuesAndDisplaysReachTheClientAndTheirTextTheModel() throws Exception {
        List<JsonNode> obs = run("import pandas as pd\npd.DataFrame({'city': ['Oslo', 'Lima'], 'temp': [3, 19]})", """
                import sympy
                class Note:
                    def _repr_markdown_(self):
                        return '**bold** note'
                    def _repr_svg_(self):
                        return '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
                    def __repr__(self):
                        return 'Note()'
                display(Note(), sympy.Symbol('x') ** 2)
                """);
        JsonNode frame = obs.get(0).get("result");
        assertTrue(frame.get("value").asText().contains("Oslo"), frame.toString());
        JsonNode table = frame.get("displays").get(0);
        assertEquals("value", table.get("kind").asText());
        assertTrue(table.get("data").get("text/html").asText().contains("<table"), table.toString());
        String tableText = obs.get(0).get("text").asText();
        assertTrue(tableText.contains("Lima") && !tableText.contains("<table"), "the model reads the text: " + tableText);

        JsonNode shown = obs.get(1).get("result").get("displays");
        assertEquals(2, shown.size(), shown.toString());
        assertEquals("**bold** note", shown.get(0).get("data").get("text/markdown").asText());
        assertTrue(shown.get(0).get("data").get("image/svg+xml").asText().startsWith("<svg"));
        assertTrue(shown.get(1).get("data").get("text/latex").asText().contains("x^{2}"), shown.toString());
        String text = obs.get(1).get("text").asText();
        assertTrue(text.contains("Note()\n[shown to the user as image/svg+xml, text/markdown]") && text.contains("x**2"), text);
    }

    /** A kernel imports the heavy libraries by itself once ready (codeact.worker.preload), without the code asking. */
    @Test
    void kernelsPreloadTheHeavyLibraries() throws Exception {
        List<JsonNode> obs = run("""
                import sys, time
                wanted = ('numpy', 'pandas', 'matplotlib.pyplot')
                for _ in range(1200):
                    if all(name in sys.modules for name in wanted):
                        break
                    time.sleep(0.1)
                print([name for name in wanted if name in sys.modules])
                """);
        assertEquals("['numpy', 'pandas', 'matplotlib.pyplot']\n", obs.get(0).get("result").get("output").asText());
    }

    /**
     * With the libraries loaded, the code still has room under the sandbox's address-space limit:
     * their threads' reserved memory (a malloc arena and a BLAS thread per host core) must not use it up.
     */
    @Test
    void loadedLibrariesLeaveRoomForTheCodesData() throws Exception {
        List<JsonNode> obs = run("import numpy as np, pandas, matplotlib.pyplot\n"
                + "a = np.ones(20_000_000)\nprint(a.nbytes // 2**20, 'MiB')", """
                import ctypes
                blas = next(line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line and '.so' in line)
                print(ctypes.CDLL(blas).openblas_get_num_threads())
                """);
        assertEquals("152 MiB\n", obs.get(0).get("result").get("output").asText(), obs.get(0).toString());
        // On a machine with few cores the room alone does not tell; the BLAS thread count does:
        // one per CPU of the sandbox (codeact.worker.cpus 0.5 here), not one per core of the host.
        assertEquals("1\n", obs.get(1).get("result").get("output").asText(), obs.get(1).toString());
    }
}
