package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's data-science libraries: Debian's packages of the paper's executor image, seen
 * through the host's /usr. A first import of the heavy ones takes seconds under gVisor, so the
 * action timeout here is the containment tests' long one.
 */
@QuarkusTest
@TestProfile(ContainmentTest.SlowMachineProof.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class DataScienceSandboxTest extends SandboxTestBase {

    /** The paper's executor libraries, from Debian's packages, import in the sandbox. */
    @Test
    void theDataScienceLibrariesImport() throws Exception {
        List<JsonNode> obs = run("import numpy, pandas, scipy, sympy, sklearn, seaborn, matplotlib\n"
                + "print(pandas.DataFrame({'x': [1, 2]}).x.sum(), sympy.factor('x**2 - 1'))");
        JsonNode result = obs.get(0).get("result");
        assertTrue(result.path("error").isMissingNode() || result.get("error").isNull(), result.toString());
        assertEquals("3 (x - 1)*(x + 1)\n", result.get("output").asText());
    }

    /** Debian's matplotlib in the sandbox: a real figure is drawn, captured and sent as PNG. */
    @Test
    void openFiguresComeBackAsPngImages() throws Exception {
        List<JsonNode> obs = run(Figures.SINE, "print(len(plt.get_fignums()))");
        assertEquals("drawn\n", obs.get(0).get("result").get("output").asText(), "nothing but the code's own output");
        JsonNode images = obs.get(0).get("result").get("images");
        assertEquals(1, images.size());
        assertEquals("image/png", images.get(0).get("mime").asText());
        byte[] png = Base64.getDecoder().decode(images.get(0).get("data").asText());
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3));
        int width = ByteBuffer.wrap(png, 16, 4).getInt();
        assertTrue(width >= 200 && png.length > 5_000, "a drawn figure, not a placeholder: " + width + " px, " + png.length + " bytes");
        assertTrue(obs.get(0).get("text").asText().contains("[1 image shown to the user]"));
        assertEquals("0", obs.get(1).get("text").asText(), "figures are closed once shown");
    }
}
