#!/usr/bin/env bash
# Compiles each language's catalogue (locale/<lang>/LC_MESSAGES/django.po) into django.mo, with any
# *.part.po beside it merged in (entries being written before they join django.po).
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in locale/*/LC_MESSAGES; do
  parts=("$dir"/*.part.po)
  if [ -e "${parts[0]}" ]; then
    msgcat --use-first "$dir/django.po" "${parts[@]}" | msgfmt --check-format -o "$dir/django.mo" -
  else
    msgfmt --check-format -o "$dir/django.mo" "$dir/django.po"
  fi
done
