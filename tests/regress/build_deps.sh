#!/bin/sh
# The Makefile's header dependencies: every object in the build has its .d, the objects stay after
# linking (an intermediate object is deleted, so the next make recompiles it and a header change
# reaches nothing), and a changed tests/unit/test_util.h recompiles exactly the tests that include
# it. make -n -W only prints what make would do: nothing is built or touched.
. "$(dirname "$0")/lib.sh"
command -v make >/dev/null || fail "make not installed"
cd "$TOP" || fail "cannot cd to $TOP"
# The .d files name objects relative to the top (build/tests/unit/x.o), so BUILD must be too.
rel=${BUILD#"$TOP"/}
[ "$rel" != "$BUILD" ] || fail "build $BUILD is not under $TOP"

for src in tests/unit/test_*.c tests/fakes/*.c tests/fuzz/*.c; do
	o=$rel/${src%.c}.o
	[ -f "$o" ] || fail "$o is missing after the build (deleted as an intermediate?)"
	[ -f "${o%.o}.d" ] || fail "${o%.o}.d is missing: $src's headers are not tracked"
done
ok "every test, fake and fuzz object is kept, each with its .d"

make -n BUILD="$rel" -W tests/unit/test_util.h tests >"$T/plan" 2>&1 || { cat "$T/plan"; fail "make -n failed"; }
n=0
for src in tests/unit/test_*.c; do
	o=$rel/${src%.c}.o
	if grep -q '"test_util.h"' "$src"; then
		grep -q -- "-o $o " "$T/plan" || fail "touching test_util.h does not recompile $o"
		n=$((n + 1))
	else
		grep -q -- "-o $o " "$T/plan" && fail "touching test_util.h recompiles $o, which does not include it"
	fi
done
[ "$n" -gt 5 ] || fail "only $n tests include test_util.h"
ok "touching test_util.h recompiles the $n tests that include it and no other"

make -n BUILD="$rel" -W include/config.h tests >"$T/plan" 2>&1 || fail "make -n failed"
for o in "$rel/docs/man/mkman.o" "$rel/scripts/bench/plan-pass.o" "$rel/daemon/config.o"; do
	grep -q -- "-o $o " "$T/plan" || fail "touching include/config.h does not recompile $o"
done
ok "touching include/config.h recompiles mkman, the plan bench and config.o"
finish
