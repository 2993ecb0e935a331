#!/usr/bin/env bash
# Build the one-folder bundle dist/hebbgui/ (run from anywhere: `bash packaging/build.sh`).
# Uses $PYTHON, else the active python (a venv with `pip install -e ".[bundle]"`).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
py=${PYTHON:-$(command -v python || command -v python3)}

if ! "$py" -c "import PyInstaller" 2>/dev/null; then
  echo "build.sh: PyInstaller is not installed for $py; run: pip install -e \".[bundle]\"" >&2
  exit 2
fi

start=$SECONDS
echo "build.sh: $("$py" -c 'import sys, PyInstaller; print(sys.executable, "PyInstaller", PyInstaller.__version__)')"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$repo/dist" --workpath "$repo/build/pyinstaller" \
  "$repo/packaging/hebbgui.spec"

exe="$repo/dist/hebbgui/hebbgui"
[ -f "$exe.exe" ] && exe="$exe.exe"   # Windows (Git Bash)
if [ ! -x "$exe" ]; then
  echo "build.sh: $exe was not built" >&2
  exit 1
fi
# The frozen app must start at all (no Qt, no numba needed for this).
"$exe" --version
echo "build.sh: built dist/hebbgui/ in $((SECONDS - start)) s, size $(du -sh "$repo/dist/hebbgui" | cut -f1)"
