package dev.codeact.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codeact.contract.Display;
import dev.codeact.contract.ExecutionResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the model reads of a result. */
class ObservationFormatterTest {

    final ObservationFormatter formatter = new ObservationFormatter(10_000);

    ExecutionResult result(String output, String value, List<Display> displays) {
        return new ExecutionResult(output, value, null, displays, 1, false, false, false, false, "runsc", null, null, null);
    }

    @Test
    void anEmptyResultIsSaidToBeEmpty() {
        assertEquals(ObservationFormatter.EMPTY, formatter.format(result("", null, List.of()), 30, List.of()));
    }

    @Test
    void displaysAddTheirTextAndWhereTheUserSawMore() {
        Display figure = new Display(Display.DISPLAY, Map.of("image/png", "iVBO", "text/plain", "<Figure size 640x480 with 1 Axes>"));
        Display number = new Display(Display.DISPLAY, Map.of("text/plain", "7"));
        Display table = new Display(Display.VALUE, Map.of("text/html", "<table/>", "text/plain", "   x\n0  1"));
        assertEquals("drawn\n   x\n0  1\n<Figure size 640x480 with 1 Axes>\n[shown to the user as image/png]\n7",
                formatter.format(result("drawn\n", "   x\n0  1", List.of(figure, number, table)), 30, List.of()),
                "the value's text once; its HTML is the user's");
    }

    @Test
    void colourCodesAreStripped() {
        assertEquals("red", formatter.format(result("\u001B[31mred\u001B[0m", null, List.of()), 30, List.of()));
    }
}
