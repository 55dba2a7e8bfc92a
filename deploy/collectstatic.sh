#!/usr/bin/env bash
# collectstatic for production (KEFU_PRODUCTION=1: hashed names, gzip and, when the brotli package is installed,
# brotli copies). Leaves out the ECharts builds Kefu never loads (it uses dist/echarts.min.js only): 46 of their
# 51 MB, and most of the time collectstatic spends compressing. Used by run-cluster.sh and kefu-web.service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" manage.py collectstatic --noinput -v 0 \
  -i 'echarts.js' -i 'echarts.js.map' -i 'echarts.common*' -i 'echarts.esm*' -i 'echarts.simple*' -i 'extension' "$@"
