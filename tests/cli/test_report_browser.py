"""The demo report in a real browser: headless Chromium loads every embedded image and renders a
non-blank page.

Needs Debian's ``chromium`` (``apt-get install -y chromium``; in CI run ``.ci/install_chromium.sh``).
Set ``SPATIALINNO_CHROMIUM`` to use another binary, and ``SPATIALINNO_SCREENSHOT_DIR`` to keep the
screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from spatialinno.cli.main import main


def _chromium() -> str | None:
    env = os.environ.get("SPATIALINNO_CHROMIUM")
    if env:
        return env
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found (/usr/bin/chromium): install it with 'apt-get install -y chromium' "
           "(CI: run .ci/install_chromium.sh) to check the report in a browser")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]

# marks <body> once every image has finished: data-img-total, data-img-ok (complete and naturalWidth > 0)
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; });
  document.body.setAttribute('data-img-total', String(imgs.length));
  document.body.setAttribute('data-img-ok', String(ok.length));
  document.body.setAttribute('data-img-widths', ok.map(function (i) { return i.naturalWidth; }).join(','));
  document.body.setAttribute('data-page-height', String(document.documentElement.scrollHeight));
});
</script>"""


def _run_chromium(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "demo"
    assert main(["demo", "--out", str(out), "--quiet"]) == 0
    return out / "report.html"


def test_all_images_load_in_chromium(demo_report, tmp_path):
    html = demo_report.read_text(encoding="utf-8")
    n_img = html.count("<img ")
    assert n_img >= 7
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = _run_chromium(["--virtual-time-budget=15000", "--dump-dom", probe.as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body, f"no <body> in the dumped DOM: {proc.stdout[:500]!r} {proc.stderr[-1000:]}"
    attrs = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', body.group(1)))
    assert attrs.get("data-img-total") == str(n_img), attrs
    assert attrs.get("data-img-ok") == str(n_img), f"images that failed to load: {attrs}"
    widths = [int(w) for w in attrs["data-img-widths"].split(",")]
    assert min(widths) >= 300
    assert int(attrs["data-page-height"]) > 3000


def test_screenshot_is_not_blank(demo_report, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    proc = _run_chromium([f"--screenshot={shot}", "--window-size=1280,4000", "--virtual-time-budget=15000",
                          demo_report.as_uri()])
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    keep = os.environ.get("SPATIALINNO_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report_screenshot.png")
    print(f"\nscreenshot: {shot}")
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape[:2] == (4000, 1280)
    # non-blank: many colours, real contrast, and content well down the page (figures, not just a header)
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 500
    assert img.std() > 20
    bg = img[-1, -1]
    rows = np.where((np.abs(img - bg).sum(axis=2) > 30).any(axis=1))[0]
    assert rows.size and rows.max() > 3000
    # the header band is the report's dark blue, i.e. the CSS was applied
    assert np.abs(img[20, 640] - np.array([0x1F, 0x3A, 0x5F])).max() <= 4
