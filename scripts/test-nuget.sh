#!/usr/bin/env bash
# Tests the NuGet package as a .NET developer meets it (make nuget-test):
#
# 1. scripts/nuget-pack.sh builds it; unpacked, it holds exactly the expected files: the OPC
#    parts, the nuspec (id MpPoint, the crate's version, the license expression, the readme,
#    a description), lib/net462 (an assembly built for .NET Framework 4.6.2 that references
#    only mscorlib, with the crate's version), the targets file, and
#    the native libraries of runtimes/ for the right machines (x64, i386 PE; x86-64 ELF);
# 2. samples/Sale.cs, compiled against the packaged assembly, runs on Mono beside the
#    packaged assembly and the packaged Linux library only, and sells against the simulator:
#    approved, with its receipt; Mono's log shows it loaded the packaged libmppoint.so.
#
# Needs the Windows DLLs (make dist-windows). Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
work=$root/build/nuget-test
passed=0
failed=0
pass() {
    passed=$((passed + 1))
    echo "ok: $*"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
rm -rf "$work"
mkdir -p "$work/run"

if ! package=$(scripts/nuget-pack.sh 2>"$work/pack.log"); then
    cat "$work/pack.log"
    fail "scripts/nuget-pack.sh"
    finish
fi
if [ "$(basename "$package")" = "MpPoint.$version.nupkg" ]; then pass "built $package"; else fail "the package is $package, not MpPoint.$version.nupkg"; fi

# ---- 1. layout and metadata -----------------------------------------------------------------
if report=$("$python" - "$package" "$version" "$work/pkg" <<'PY' 2>&1
import struct, sys, zipfile
import xml.etree.ElementTree as ET

package, version, into = sys.argv[1:]
z = zipfile.ZipFile(package)
z.extractall(into)
names = set(z.namelist())
props = [n for n in names if n.startswith("package/services/metadata/core-properties/") and n.endswith(".psmdcp")]
assert len(props) == 1, "core properties: %s" % props
expected = {"[Content_Types].xml", "_rels/.rels", props[0], "MpPoint.nuspec", "README.md",
            "build/net462/MpPoint.targets", "lib/net462/MpPoint.dll", "lib/net462/MpPoint.xml",
            "runtimes/win-x64/native/mppoint.dll", "runtimes/win-x86/native/mppoint.dll",
            "runtimes/linux-x64/native/libmppoint.so"}
assert names == expected, "files differ: missing %s, extra %s" % (sorted(expected - names), sorted(names - expected))

ns = {"n": "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"}
meta = ET.fromstring(z.read("MpPoint.nuspec")).find("n:metadata", ns)
field = lambda name: (meta.find("n:" + name, ns).text or "").strip()
assert field("id") == "MpPoint", field("id")
assert field("version") == version, "nuspec version %s" % field("version")
license = meta.find("n:license", ns)
assert license.get("type") == "expression" and license.text == "MIT OR Apache-2.0", "license"
assert field("readme") == "README.md" and z.read("README.md").startswith(b"# mppoint for .NET"), "readme"
assert len(field("description")) > 40, "description"
assert field("authors"), "authors"
ET.fromstring(z.read("build/net462/MpPoint.targets"))

types = ET.fromstring(z.read("[Content_Types].xml"))
extensions = {d.get("Extension") for d in types}
for n in names:
    last = n.rsplit("/", 1)[-1]
    if n != "[Content_Types].xml":
        assert "." in last and last.rsplit(".", 1)[1] in extensions, "no content type for " + n
for rel in ET.fromstring(z.read("_rels/.rels")):
    assert rel.get("Target").lstrip("/") in names, "relationship to a missing part " + rel.get("Target")

def pe_machine(data):
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0"
    return struct.unpack_from("<H", data, pe + 4)[0]

assert pe_machine(z.read("runtimes/win-x64/native/mppoint.dll")) == 0x8664, "win-x64 is not x64"
assert pe_machine(z.read("runtimes/win-x86/native/mppoint.dll")) == 0x14C, "win-x86 is not i386"
so = z.read("runtimes/linux-x64/native/libmppoint.so")
assert so[:4] == b"\x7fELF" and so[18] == 62, "linux-x64 is not x86-64 ELF"
print("%d files, nuspec MpPoint %s, MIT OR Apache-2.0, natives for win-x64, win-x86, linux-x64" % (len(names), version))
PY
); then
    pass "$report"
else
    fail "layout: $report"
    finish
fi

# The assembly: what it was built for and what it needs, read by reflection.
cat >"$work/Probe.cs" <<'CS'
using System;
using System.Linq;
using System.Reflection;
class Probe
{
    static void Main(string[] args)
    {
        Assembly a = Assembly.ReflectionOnlyLoadFrom(args[0]);
        foreach (CustomAttributeData d in a.GetCustomAttributesData())
        {
            string name = d.AttributeType.Name;
            if (name == "TargetFrameworkAttribute" || name == "AssemblyInformationalVersionAttribute")
                Console.WriteLine(name + " " + d.ConstructorArguments[0].Value);
        }
        Console.WriteLine("references " + string.Join(",", a.GetReferencedAssemblies().Select(r => r.Name).OrderBy(n => n)));
        Console.WriteLine("types " + string.Join(",", a.GetExportedTypes().Select(t => t.Name).Where(n => n == "MpClient" || n == "MpStatus").OrderBy(n => n)));
    }
}
CS
if mcs -out:"$work/Probe.exe" "$work/Probe.cs" >"$work/probe-build.log" 2>&1 &&
    facts=$(mono "$work/Probe.exe" "$work/pkg/lib/net462/MpPoint.dll" 2>&1); then
    want="TargetFrameworkAttribute .NETFramework,Version=v4.6.2
AssemblyInformationalVersionAttribute $version
references mscorlib
types MpClient,MpStatus"
    if [ "$(sort <<<"$facts")" = "$(sort <<<"$want")" ]; then
        pass "lib/net462/MpPoint.dll: .NET Framework 4.6.2, version $version, references only mscorlib"
    else
        fail "lib/net462/MpPoint.dll: got:"$'\n'"$facts"$'\n'"want:"$'\n'"$want"
    fi
else
    cat "$work/probe-build.log"
    fail "could not read lib/net462/MpPoint.dll: $facts"
fi

# ---- 2. the sample on Mono with the packaged assembly and library ---------------------------
run=$work/run
cp "$work/pkg/lib/net462/MpPoint.dll" "$work/pkg/runtimes/linux-x64/native/libmppoint.so" "$run/"
if mcs -sdk:4.6.2-api -langversion:7.2 -warnaserror -r:"$run/MpPoint.dll" -out:"$run/Sale.exe" \
    bindings/dotnet/samples/Sale.cs >"$work/sale-build.log" 2>&1; then
    pass "samples/Sale.cs compiles against the packaged assembly (4.6.2 reference assemblies)"
else
    cat "$work/sale-build.log"
    fail "samples/Sale.cs does not compile against the packaged assembly"
    finish
fi
if (cd "$run" && env -u LD_LIBRARY_PATH MONO_LOG_LEVEL=info MONO_LOG_MASK=dll MP_POLL_INTERVAL_MS=50 \
    "$root/scripts/with-sim.sh" 100 mono Sale.exe 1500 "nuget-sale") >"$work/sale.log" 2>&1 &&
    grep -qx "payment state: approved" "$work/sale.log" && grep -qx "receipt amount: 15.0" "$work/sale.log"; then
    pass "Sale.exe sold on Mono with the packaged assembly (approved, receipt amount 15.0)"
else
    grep -v "^Mono: DllImport" "$work/sale.log" | sed 's/^/    /'
    fail "Sale.exe did not sell with the packaged assembly and library"
fi
loaded=$(sed -n "s/^Mono: DllImport loaded library '\(.*libmppoint[^']*\)'.*/\1/p" "$work/sale.log" | sort -u)
if [ "$loaded" = "$run/libmppoint.so" ]; then
    pass "Mono loaded the packaged libmppoint.so ($loaded)"
else
    fail "Mono loaded '$loaded', not the packaged $run/libmppoint.so"
fi
finish
