# mppoint - build, demo and test entry points (GNU make).
#
#   make build     library (debug), simulator, C sample and C tests
#   make generate  regenerate everything made from the exports of src/ffi: include/point.h
#                  (cbindgen), the ABI manifest include/point.abi.json and what it drives (each
#                  binding's raw declarations, the Windows .def files); `make header` is the same
#   make demo      eight sales (both APIs, two refunded, one killed and recovered) through the C
#                  sample against the simulator
#   make test      everything CI runs
#   make rust-test  the Rust suites without root or Chromium (says what it leaves out)
#   make c-test    C ABI and thread tests against the simulator
#   make readme-test  every program the READMEs print (marked <!-- program: ... -->), built
#                  and run against the simulator for each outcome its marker names
#   make compat-test  0.3 compatibility: 0.3's ABI manifest against today's, and the 0.3 C
#                  sample (tests/compat/0.3/) built against the 0.3 header, run against this
#                  library and the simulator
#   make valgrind  the C sample under valgrind against the simulator
#   make bindings-test  the Delphi, .NET and Python bindings: samples and tests against the
#                  simulator (dotnet-test, delphi-test, python-test one at a time)
#   make lint      cargo fmt --check, clippy, and no import cycle between the modules of any
#                  crate (abi's module-cycles: the rule is in abi/src/modules/mod.rs)
#   make dist-windows  the Windows DLLs (x64, x86, x86-win7) under dist/windows/
#   make test-windows  their export/import tables, and a sale through each under Wine
#   make windows-check  test-windows for all flavours (what make test runs)
#   make bench     speed and memory against libcurl and a raw socket, and the journal's costs
#                  (by hand, not in test); make bench-journal: the journal's part alone
#   make fuzz      the fuzz targets of fuzz/, FUZZ_SECONDS each (by hand; make test runs
#                  fuzz-check, FUZZ_CHECK_SECONDS each)
#   make hostile-test  hostile input to every export, built with ASan and UBSan
#   make install   the release library (shared with soname, static), point.h, mppoint.pc and
#                  the mppoint tool
#                  into PREFIX (/usr/local), under DESTDIR if set; make uninstall removes them
#   make install-test  install into a temporary prefix, build the C sample with pkg-config, sell
#   make python-wheels  the Python wheels (Linux; Windows from dist-windows' DLLs) in dist/python/
#   make python-wheel-test  check them; pip install the Linux one into a fresh venv and sell
#   make nuget     the NuGet package (net462 assembly, native libraries) in dist/nuget/
#   make nuget-test  check its layout and run the C# sample on Mono from the unpacked package
#   make dist-hosts  dist/delphi/ and dist/vb6/: the files each host ships, with a README
#   make dist      all of the above packages (and the Windows DLLs) under dist/
#   make package-test  what make test runs of them: install, wheel, nuget and dist-hosts tests
#   make clean

CARGO    ?= cargo
CC       ?= cc
VALGRIND ?= valgrind

LIBDIR   := target/debug
LIB      := $(LIBDIR)/libmppoint.so
SIM      := $(LIBDIR)/point-sim
HEADER   := include/point.h
BUILDDIR := build

CFLAGS   ?= -g -O1
C_WARN   := -Wall -Wextra -Werror
C_LINK   := -L$(LIBDIR) -lmppoint -Wl,-rpath,$(CURDIR)/$(LIBDIR)

# Simulator step for the tests: long enough that an intent is reliably still OPEN right
# after it is created, short enough that a sale takes about a second.
TEST_STEP_MS := 250
DEMO_STEP_MS := 300
DEMO_POLL_INTERVAL_MS := 200

VALGRIND_FLAGS := --leak-check=full --errors-for-leak-kinds=definite,possible \
                  --error-exitcode=1 --suppressions=tests/valgrind.supp

SAMPLE       := $(BUILDDIR)/sale
TEST_ABI     := $(BUILDDIR)/test_abi
TEST_THREADS := $(BUILDDIR)/test_threads

.PHONY: all build header generate demo test c-test readme-test compat-test valgrind lint clean tools \
        cargo-build bindings-test dotnet-test python-test delphi-test dist-windows test-windows \
        windows-check bench bench-journal fuzz fuzz-check hostile-test install uninstall install-test \
        release-lib package-test python-wheels python-wheel-test nuget nuget-test dist-hosts \
        dist-hosts-test dist

all: build

build: cargo-build $(SAMPLE) $(TEST_ABI) $(TEST_THREADS)

# Cargo knows what is up to date; make only needs to know when the library changed.
cargo-build:
	$(CARGO) build --workspace

$(LIB) $(SIM): cargo-build
	@test -f $@ || { echo "$@ was not built" >&2; exit 1; }

# After adding or changing an export or an enum value in src/ffi: run this and commit what it
# writes (cargo test fails, naming this command, while a generated file is out of date).
generate header:
	MPPOINT_WRITE_HEADER=1 $(CARGO) build -p mppoint

$(SAMPLE): examples/c/sale.c $(HEADER) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(C_WARN) -std=c99 -Iinclude -o $@ $< $(C_LINK)

$(TEST_ABI): tests/c/test_abi.c $(HEADER) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(C_WARN) -std=c99 -pthread -Iinclude -o $@ $< $(C_LINK)

$(TEST_THREADS): tests/c/test_threads.c $(HEADER) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(C_WARN) -std=c99 -pthread -Iinclude -o $@ $< $(C_LINK)

demo: cargo-build $(SAMPLE)
	MP_POLL_INTERVAL_MS=$(DEMO_POLL_INTERVAL_MS) scripts/with-sim.sh $(DEMO_STEP_MS) scripts/demo-sales.sh $(SAMPLE)

# Both programs run even if the first fails, so one run shows every failure.
c-test: cargo-build $(TEST_ABI) $(TEST_THREADS)
	@status=0; \
	scripts/with-sim.sh $(TEST_STEP_MS) $(TEST_ABI) || status=1; \
	scripts/with-sim.sh $(TEST_STEP_MS) $(TEST_THREADS) || status=1; \
	exit $$status

# The READMEs' programs: scripts/readme-programs.sh says how a block is marked and what each
# marker's outcomes check (C with gcc; Python, Free Pascal and Mono for the bindings' READMEs).
readme-test: cargo-build
	scripts/readme-programs.sh

# A POS built against 0.3 keeps working with this library: every function, enum value and
# callback of 0.3's manifest is still there unchanged (abi/tests/compat.rs), and the 0.3 sample,
# built against the 0.3 header, sells, journals and recovers (scripts/compat-test.sh says what
# it checks; tests/compat/0.3/README.md where its files came from). Both run even if one fails.
compat-test: cargo-build $(SAMPLE)
	@status=0; \
	$(CARGO) test -p mppoint-abi --test compat || status=1; \
	scripts/compat-test.sh $(TEST_STEP_MS) || status=1; \
	exit $$status

# An approved sale with its receipt and refund, and a cancelled sale: between them every
# path of the sample runs.
valgrind: cargo-build $(SAMPLE)
	MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh 100 \
		$(VALGRIND) $(VALGRIND_FLAGS) $(SAMPLE) --refund 1500 valgrind-approved
	MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh 100 \
		$(VALGRIND) $(VALGRIND_FLAGS) $(SAMPLE) --cancel 2500 valgrind-cancelled

# Each binding's script installs its compiler (as root), builds under build/ and runs its
# sample sales and tests against fresh simulators; all run even if one fails.
BINDING_TESTS := dotnet-test python-test delphi-test

bindings-test: cargo-build
	@status=0; \
	for t in $(BINDING_TESTS); do $(MAKE) --no-print-directory $$t || status=1; done; \
	exit $$status

dotnet-test: cargo-build
	TEST_STEP_MS=$(TEST_STEP_MS) bindings/dotnet/test.sh

python-test: cargo-build
	bindings/python/test.sh

# The Delphi unit, its sample and tests built with Free Pascal (the tests also under valgrind).
delphi-test: cargo-build
	scripts/ensure-fpc.sh
	LIBDIR=$(LIBDIR) BUILDDIR=$(BUILDDIR)/delphi VALGRIND=$(VALGRIND) bindings/delphi/test.sh

# Every crate of the workspace: the library, the simulator (library and binary), the tool, abi.
# Unit tests count too (--tests): a test that reaches up a layer hides a cycle as well.
CYCLE_ROOTS := src simulator/src cli/src abi/src

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) run --quiet -p mppoint-abi --bin module-cycles -- --tests $(CYCLE_ROOTS)

tools:
	scripts/ensure-tools.sh
	scripts/ensure-chromium.sh

# The Rust suites for a contributor without root or Chromium: what `cargo test --workspace`
# runs except tests/browser.rs, installing nothing. Ends by naming what make test runs beyond it.
RUST_TESTS := $(filter-out browser,$(basename $(notdir $(wildcard tests/*.rs))))

.PHONY: rust-test
rust-test:
	@status=0; \
	$(CARGO) test -p mppoint --lib $(RUST_TESTS:%=--test %) || status=1; \
	$(CARGO) test -p mppoint --doc || status=1; \
	$(CARGO) test -p point-sim || status=1; \
	$(CARGO) test -p mppoint-abi || status=1; \
	$(CARGO) test -p mppoint-cli || status=1; \
	echo; \
	echo "rust-test: left out (make test runs them; they need system packages, installed as root):"; \
	echo "  tests/browser.rs, the virtual terminal page in headless Chromium (chromium, chromium-driver)"; \
	echo "  make c-test: the C ABI and thread tests (gcc)"; \
	echo "  make readme-test: the READMEs' programs against the simulator (gcc, python3, curl, fpc, mono)"; \
	echo "  make compat-test: the 0.3 C sample against this library (gcc)"; \
	echo "  make bindings-test: the .NET, Python and Delphi bindings (mono, python3-pytest, fpc)"; \
	echo "  make valgrind: the C sample under valgrind (valgrind)"; \
	echo "  make fuzz-check: a short run of each fuzz target (nightly Rust, cargo-fuzz)"; \
	echo "  make hostile-test: hostile input to every export under ASan and UBSan (gcc)"; \
	echo "  make package-test: make install with pkg-config, the wheel, the nupkg, dist/ (pkg-config, python3-venv, mono-devel)"; \
	echo "  make windows-check: the Windows DLLs, their tables and a sale under Wine (mingw-w64, wine, nightly Rust)"; \
	echo "  make lint: rustfmt, clippy and the module-cycle check (no root needed)"; \
	exit $$status

test: tools
	$(CARGO) test --workspace
	$(MAKE) --no-print-directory c-test readme-test
	$(MAKE) --no-print-directory compat-test
	$(MAKE) --no-print-directory bindings-test
	$(MAKE) --no-print-directory valgrind
	$(MAKE) --no-print-directory fuzz-check hostile-test
	$(MAKE) --no-print-directory windows-check
	$(MAKE) --no-print-directory package-test
	$(MAKE) --no-print-directory lint

# Which Windows DLLs dist-windows builds and test-windows tests (e.g. WINDOWS_FLAVOURS=x64).
WINDOWS_FLAVOURS ?= x64 x86 x86-win7

# Installs what it needs (mingw-w64, Rust targets, nightly + rust-src) when run as root.
dist-windows:
	scripts/ensure-windows-tools.sh build
	scripts/dist-windows.sh $(WINDOWS_FLAVOURS)

# Installs Wine (wine64, and wine32:i386 for the 32-bit DLLs) when run as root; a package that
# cannot be installed fails the flavours that need it, loudly.
test-windows: dist-windows
	scripts/test-windows.sh $(WINDOWS_FLAVOURS)

# What make test runs of the above: test-windows for every flavour, whatever WINDOWS_FLAVOURS
# says: the three DLLs built, their tables checked, and the sale run under Wine through x64,
# x86 (cdecl), x86 (the _std exports, VB6's path) and x86-win7.
windows-check:
	$(MAKE) --no-print-directory test-windows WINDOWS_FLAVOURS="x64 x86 x86-win7"

# Installs nginx, libcurl, cJSON, sqlite3 and strace when run as root (BENCH_CALLS=N and
# friends: see scripts/bench.sh and scripts/bench-journal.sh).
bench:
	scripts/bench.sh

# Start-up and recovery against the journal's size, the retention purge, fsyncs per sale.
bench-journal:
	BENCH_ONLY=journal scripts/bench.sh

# Fuzzing: nightly Rust and cargo-fuzz are installed by scripts/fuzz.sh on first use.
FUZZ_SECONDS ?= 300
FUZZ_CHECK_SECONDS ?= 6

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-check:
	scripts/fuzz.sh $(FUZZ_CHECK_SECONDS)

# The hostile-input test through the real exports of the shared library, under AddressSanitizer
# (with its leak check: memory the library allocated and nobody freed fails the run) and
# UBSan; any report ends the run with a non-zero status.
TEST_HOSTILE := $(BUILDDIR)/test_hostile
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

$(TEST_HOSTILE): tests/c/test_hostile.c $(HEADER) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(C_WARN) -std=c99 $(SANITIZE) -Iinclude -o $@ $< $(C_LINK)

hostile-test: cargo-build $(TEST_HOSTILE)
	scripts/with-sim.sh $(TEST_STEP_MS) env $(SANITIZER_ENV) $(TEST_HOSTILE)

clean:
	rm -rf $(BUILDDIR) dist
	$(CARGO) clean

# ---- C/C++ install (scripts/install.sh says what goes where) --------------------------------
PREFIX ?= /usr/local
# libdir, includedir, bindir (GNU's names) override $(PREFIX)/lib, /include, /bin.
INSTALL_VARS = PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" $(if $(libdir),LIBDIR="$(libdir)") \
               $(if $(includedir),INCLUDEDIR="$(includedir)") $(if $(bindir),BINDIR="$(bindir)")

# target/release/libmppoint.so (with its soname) and libmppoint.a: what install and the
# packages ship, built once.
release-lib:
	scripts/release-lib.sh

install:
	$(INSTALL_VARS) scripts/install.sh install

uninstall:
	$(INSTALL_VARS) scripts/install.sh uninstall

install-test: cargo-build
	scripts/test-install.sh

# ---- Python wheels (scripts/python-wheels.sh): dist/python/, Linux and Windows (the DLLs of
# dist-windows). WHEEL_PLATFORMS=linux limits the test to the Linux wheel.
python-wheels:
	scripts/python-wheels.sh

python-wheel-test: cargo-build
	scripts/test-python-wheel.sh

# ---- NuGet (scripts/nuget-pack.sh): dist/nuget/MpPoint.<version>.nupkg, with the DLLs of
# dist-windows and the Linux library; installs Debian's mono-devel for the 4.6.2 references.
nuget:
	scripts/nuget-pack.sh

nuget-test: cargo-build
	scripts/test-nuget.sh

# ---- dist/delphi/ and dist/vb6/ (scripts/dist-hosts.sh): what each host ships, with a README.
dist-hosts:
	scripts/dist-hosts.sh

dist-hosts-test: cargo-build
	scripts/test-dist-hosts.sh

# Everything a user installs: the Windows DLLs, the Linux libraries, the wheels, the NuGet
# package and the Delphi/VB6 folders, under dist/.
dist:
	$(MAKE) --no-print-directory dist-windows
	scripts/release-lib.sh
	scripts/python-wheels.sh
	scripts/nuget-pack.sh
	scripts/dist-hosts.sh

# What make test runs of the packages (each reuses the one release build of release-lib).
PACKAGE_TESTS := install-test python-wheel-test nuget-test dist-hosts-test

package-test: cargo-build
	@status=0; \
	for t in $(PACKAGE_TESTS); do $(MAKE) --no-print-directory $$t || status=1; done; \
	exit $$status
