"""Help → Getting started: one short page — what each panel is, the keys, where the lessons are."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton, QTextBrowser, QVBoxLayout, QWidget

GETTING_STARTED_HTML = """
<h2>Getting started</h2>
<p>hebbgui runs one model at a time and draws it as it learns or settles.
Every control has a tooltip: hover over it for its meaning and equation.</p>
<h3>The window</h3>
<ul>
<li><b>Models</b> (left): click one to open it. Each model keeps its session while the app runs:
switching away and back finds it as you left it (Reset starts afresh).</li>
<li><b>Main view</b> (centre): the state &mdash; a lattice, an image or a grid. On a Hopfield
state, the left button paints +1 and the right button &minus;1.</li>
<li><b>Side views</b> (below it): weights (blue &lt; 0 &lt; red), and curves such as energy,
overlap or loss. Hover over a view&rsquo;s title for what it draws and its units; <i>Export</i> saves it as PNG or SVG.</li>
<li><b>Parameters</b> (right): the model&rsquo;s settings. A change applies live where the model allows,
else the status line says &ldquo;applies on reset&rdquo;; a value out of range is clamped, and the status line says so.</li>
<li><b>Patterns</b> (right, for models that store patterns): draw on the grid, <i>Add grid</i> to store it,
click a stored pattern and <i>Load into grid</i> to take it back, corrupt it, then <i>Make it the probe</i>.</li>
<li><b>Transport</b> (bottom): play/pause, step, reset, the speed, the time t, frames per second and the seed.</li>
<li><b>Status line</b> (very bottom): what just happened, and errors in plain words.</li>
</ul>
<h3>Keys</h3>
<table cellspacing="4">
<tr><td><b>Space</b></td><td>play / pause</td></tr>
<tr><td><b>&rarr;</b></td><td>one step</td></tr>
<tr><td><b>R</b></td><td>reset (with the seed in the transport bar)</td></tr>
<tr><td><b>F11</b></td><td>presentation mode: full screen, panels hidden, everything larger</td></tr>
<tr><td><b>Ctrl+R</b></td><td>start / stop recording the views (GIF, or MP4)</td></tr>
<tr><td><b>Ctrl+S</b>, <b>Ctrl+O</b></td><td>save / open a session</td></tr>
<tr><td><b>F1</b></td><td>this page</td></tr>
</table>
<p>Space and F11 work even while a number field has focus; Enter hands the keys back.</p>
<h3>Lessons and experiments</h3>
<p>The <b>Lessons</b> menu lists the experiments for the open model (capacity of a Hopfield network,
the Ising phase transition, RBMs on MNIST&hellip;). Each opens a window with its settings, runs with a
progress bar and Cancel, and draws its result. The <b>Model</b> menu lists the models too, each with a
one-line description.</p>
"""


def getting_started_dialog(parent: QWidget) -> QDialog:
    """The Getting started page as a dialog sized to fit the screen."""
    dlg = QDialog(parent)
    dlg.setObjectName("getting-started-dialog")
    dlg.setWindowTitle("Getting started with hebbgui")
    lay = QVBoxLayout(dlg)
    text = QTextBrowser()
    text.setObjectName("getting-started-text")
    text.setOpenExternalLinks(False)
    text.setHtml(GETTING_STARTED_HTML)
    lay.addWidget(text)
    close = QPushButton("Close")
    close.clicked.connect(dlg.close)
    lay.addWidget(close, 0, Qt.AlignRight)
    screen = parent.screen().availableGeometry()
    dlg.resize(min(680, screen.width() - 40), min(720, screen.height() - 60))
    return dlg
