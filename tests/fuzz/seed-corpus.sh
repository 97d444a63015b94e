#!/bin/sh
# seed-corpus.sh NAME DIR: copies small fixture graphs into DIR as the seed corpus
# of fuzzer NAME (binary GraphDefs for the binary reader, text ones for the text one).
name=$1; dir=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
fx=${TFC_FIXTURES:-$top/../shared/fixtures}
mkdir -p "$dir"
case $name in
  *run_metadata)  # RunMetadata fixtures (binary), and the Chrome-trace test's own
    find "$fx" -name 'run_meta*' -size -256k 2>/dev/null | while read -r f; do
      cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"
    done
    exit 0 ;;
  *binary) pat='*.pb' ;;
  *) pat='*.pbtxt' ;;  # text GraphDefs; for fuzz_pbtext they parse as type #0, GraphDef
esac
find "$fx" "$top/share/examples" -name "$pat" -size -64k 2>/dev/null | while read -r f; do
  cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"
done
