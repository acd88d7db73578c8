#!/usr/bin/env bash
# Stand-in for tshark in the orchestration tests of postproc/run (runner), so they can exercise
# parallelism, failures and interrupts deterministically. The real tshark + plugin path is covered
# by the end-to-end tests. A "capture" here is a text file:
#   first line "#ok"        -> print the remaining lines on stdout, exit 0
#   first line "#truncated" -> print them, then tshark's cut-short message on stderr, exit 2
#   first line "#broken"    -> tshark's not-a-capture message on stderr, exit 2
#   first line "#sleep N"   -> print the remaining lines, sleep N seconds, exit 0
# `-G fields` lists the plugin field unless FAKE_TSHARK_NO_PLUGIN=1; `-z monero,records` is rejected
# like tshark rejects an unregistered -z argument when FAKE_TSHARK_NO_TAP=1.
set -u
file=""
while [ $# -gt 0 ]; do
  case "$1" in
    -G) if [ "${FAKE_TSHARK_NO_PLUGIN:-0}" = 1 ]; then printf 'F\tTCP len\ttcp.len\tFT_UINT32\ttcp\n'
        else printf 'F\tTCP len\ttcp.len\tFT_UINT32\ttcp\nF\tSignature only\tmonero.sig_only\tFT_BOOLEAN\tmonero\nF\tExport record\tmonero.record\tFT_STRING\tmonero\n'; fi
        exit 0;;
    -z) if [ "$2" = monero,records ] && [ "${FAKE_TSHARK_NO_TAP:-0}" = 1 ]; then
          printf 'tshark: Invalid -z argument "monero,records"; it must be one of:\n     io,stat\n' >&2
          exit 1
        fi
        shift 2;;
    -r) file=$2; shift 2;;
    *) shift;;
  esac
done
[ -r "$file" ] || { echo "tshark: The file \"$file\" doesn't exist." >&2; exit 2; }
[ -f "$file" ] || { echo "tshark: The file \"$file\" is a \"special file\" or socket or other non-regular file." >&2; exit 2; }
head=$(head -n1 "$file")
case "$head" in
  "#ok") tail -n +2 "$file";;
  "#truncated") tail -n +2 "$file"; echo "tshark: The file \"$file\" appears to have been cut short in the middle of a packet." >&2; exit 2;;
  "#broken") echo "Running as user \"root\" and group \"root\". This could be dangerous." >&2
             echo "tshark: The file \"$file\" isn't a capture file in a format TShark understands." >&2; exit 2;;
  "#sleep "*) tail -n +2 "$file"; exec sleep "${head#\#sleep }";;
  *) echo "fake-tshark: unknown capture header" >&2; exit 3;;
esac
