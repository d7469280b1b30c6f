package dev.codeact.it;

/**
 * matplotlib is not installed in this machine's sandbox image (no PyPI here), so tests that need
 * a figure write a stand-in {@code matplotlib.pyplot} (figure numbers, savefig to a 1×1 PNG,
 * close) into the sandbox's /tmp and draw one figure with it.
 */
final class FakeMatplotlib {

    static final String FIGURE = """
            import os, sys
            os.makedirs('/tmp/mpl/matplotlib', exist_ok=True)
            open('/tmp/mpl/matplotlib/__init__.py', 'w').write('')
            open('/tmp/mpl/matplotlib/pyplot.py', 'w').write('''
            import base64
            PNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')
            _figs = []
            class _Fig:
                def savefig(self, buf, format=None, bbox_inches=None):
                    buf.write(PNG)
            def figure(num=None):
                if num is None:
                    _figs.append(_Fig()); return _figs[-1]
                return _figs[num - 1]
            def get_fignums():
                return list(range(1, len(_figs) + 1))
            def close(which=None):
                _figs.clear()
            ''')
            sys.path.insert(0, '/tmp/mpl')
            import matplotlib.pyplot as plt
            plt.figure()
            print('drawn')
            """;

    private FakeMatplotlib() {}
}
