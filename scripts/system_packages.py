"""The Debian packages the project needs beyond Python and Node, installed where we can.

    chromium        the browser tests (Playwright drives Debian's Chromium; nothing downloaded)
    fonts-noto-cjk  Chinese text in screenshots and, later, PDFs
    gettext         extracting and checking the translations (xgettext, msgmerge, msgattrib)
    libpango-1.0-0, libpangoft2-1.0-0
                    WeasyPrint's text layout for PDF documents (minutes, certificates)

Run by `make setup` and `.ci/run`. As root with apt-get it installs what is missing; otherwise
it prints the one command to run and carries on: the suite then skips the tests that need the
missing tools, saying why (on CI, where CI=true, it fails them instead)."""

import ctypes.util
import os
import shutil
import subprocess
import sys

PACKAGES = {
    "chromium": lambda: bool(shutil.which("chromium") or shutil.which("chromium-browser")),
    "fonts-noto-cjk": lambda: _has_cjk_font(),
    "gettext": lambda: all(shutil.which(t) for t in ("xgettext", "msgmerge", "msgattrib")),
    "libpango-1.0-0": lambda: bool(ctypes.util.find_library("pango-1.0")),
    "libpangoft2-1.0-0": lambda: bool(ctypes.util.find_library("pangoft2-1.0")),
}


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return os.path.isdir("/usr/share/fonts/opentype/noto")
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(out.strip())


def missing() -> list[str]:
    return [name for name, present in PACKAGES.items() if not present()]


def main() -> int:
    needed = missing()
    if not needed:
        return 0
    command = "apt-get install -y " + " ".join(needed)
    can_install = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_install:
        print(
            f"Missing system packages: {', '.join(needed)}. Install them with:\n"
            f"    sudo {command}\n"
            "Until then the tests that need them are skipped.",
            file=sys.stderr,
        )
        return 0
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"installing {', '.join(needed)} (apt-get)", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", *needed], check=True, env=env, stdout=subprocess.DEVNULL
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
