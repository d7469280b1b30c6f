package dev.codeact.it;

/** Code that draws a real figure with the sandbox's data-science libraries (Debian's numpy and matplotlib). */
final class Figures {

    static final String SINE = """
            import numpy as np
            import matplotlib.pyplot as plt
            x = np.linspace(0, 2 * np.pi, 200)
            plt.plot(x, np.sin(x))
            plt.title('sin(x)')
            print('drawn')
            """;

    private Figures() {}
}
