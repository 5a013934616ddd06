#!/bin/sh
# The layer order of docs/layers.md, checked (TAP): calls and includes only
# go downward.
#  - Each machinery module includes only its own headers and those of the
#    modules below it (so offload/ never includes relay/, and nothing under
#    the relay includes the relay, the media core or a control plane; the
#    B2BUA in src/sbc/ reaches relay/, dtls/ and ktr/ only through media/).
#  - Inside sdp/, every call from one file into another goes to a file of a
#    lower layer: each sdp/*.c is compiled on its own and its undefined
#    symbols (nm) are looked up among the others' definitions. A new
#    sdp/*.c must be given a layer here.
set -u
CC=${CC:-cc}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
echo "1..3"
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

# module: the module directories it may include (besides system headers)
allowed() {
	case $1 in
	base) echo "base" ;;
	srtp) echo "base srtp" ;;
	xsrtp) echo "base srtp xsrtp" ;;
	ktr) echo "base ktr" ;;
	dtls) echo "base dtls" ;;
	sdp) echo "base sdp" ;;
	offload) echo "base offload" ;;
	stun) echo "base stun" ;;
	relay) echo "base srtp xsrtp ktr dtls offload stun relay" ;;
	# the media core: the machinery, never a control plane (conf/ only
	# for the daemon's media settings it is handed)
	media) echo "base srtp xsrtp ktr dtls sdp offload stun relay conf media" ;;
	# the B2BUA, a control plane: the media core for everything media,
	# never the machinery under it (docs/architecture.md)
	sbc) echo "base conf ctl sip trunk media sbc" ;;
	esac
}
bad=0
for m in base srtp xsrtp ktr dtls sdp offload stun relay media sbc; do
	dir=src/$m
	[ "$m" = sdp ] && dir=sdp
	for f in $(find "$dir" -name '*.[ch]' | sort); do
		for inc in $(sed -n 's/^#include "\([a-z_]*\)\/.*/\1/p' "$f" | sort -u); do
			case " $(allowed "$m") " in
			*" $inc "*) ;;
			*) echo "# $f includes $inc/ (a layer above $m or beside it)"; bad=1 ;;
			esac
		done
	done
done
ok $bad "machinery, media core and B2BUA include only the layers below them"

# sdp layers, bottom up (docs/layers.md)
layer() {
	case $1 in
	sdp_util | sdp_base64 | sdp_addr) echo 0 ;;
	sdp_crypto | sdp_capattr) echo 1 ;;
	sdp_attr) echo 2 ;;
	sdp_media) echo 3 ;;
	sdp_session) echo 4 ;;
	sdp_parse) echo 5 ;;
	sdp_capneg | sdp_bundle | sdp_ice) echo 6 ;;
	sdp_xlate) echo 7 ;;
	*) echo x ;;
	esac
}
bad=0
for f in sdp/*.c; do
	b=$(basename "$f" .c)
	if [ "$(layer "$b")" = x ]; then
		echo "# $f has no layer in $0"
		bad=1
	fi
	"$CC" -std=gnu11 -D_GNU_SOURCE -Isrc -I. -O0 -c "$f" -o "$tmp/$b.o" || bad=1
done
ok $bad "every sdp/*.c has a layer and compiles alone"

bad=0
for o in "$tmp"/*.o; do
	b=$(basename "$o" .o)
	nm "$o" | awk -v f="$b" '$2 ~ /^[TDRB]$/ { print $3, f }'
done >"$tmp/defs"
for o in "$tmp"/*.o; do
	b=$(basename "$o" .o)
	lb=$(layer "$b")
	for sym in $(nm -u "$o" | awk '{ print $2 }'); do
		def=$(awk -v s="$sym" '$1 == s { print $2; exit }' "$tmp/defs")
		[ -n "$def" ] && [ "$def" != "$b" ] || continue
		ld=$(layer "$def")
		if [ "$ld" = x ] || [ "$lb" = x ] || [ "$ld" -ge "$lb" ]; then
			echo "# $b (layer $lb) calls $sym of $def (layer $ld)"
			bad=1
		fi
	done
done
ok $bad "sdp/: every call between files goes to a lower layer"
