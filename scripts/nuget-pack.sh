#!/usr/bin/env bash
# Builds dist/nuget/MpPoint.<version>.nupkg, the .NET binding as a NuGet package:
#
#   lib/net462/MpPoint.dll, MpPoint.xml     MpPoint.cs + MpPoint.Native.cs compiled with Mono's
#                                           mcs against the .NET Framework 4.6.2 reference
#                                           assemblies (scripts/ensure-mono.sh net462), with
#                                           their XML documentation
#   runtimes/win-x64/native/mppoint.dll     dist/windows/x64 (make dist-windows)
#   runtimes/win-x86/native/mppoint.dll     dist/windows/x86-win7 (Windows 7 SP1 and later,
#                                           like .NET Framework 4.6.2 itself)
#   runtimes/linux-x64/native/libmppoint.so target/release (scripts/release-lib.sh), stripped
#   build/net462/MpPoint.targets            .NET Framework does not read runtimes/: copies the
#                                           DLL of the project's PlatformTarget (x86/x64) next to
#                                           the program, and warns for AnyCPU
#   MpPoint.nuspec, README.md               id, version (the crate's), license expression,
#                                           description, readme
#
# and the Open Packaging Conventions parts every .nupkg has ([Content_Types].xml, _rels/.rels,
# package/services/metadata/core-properties/). No lib/netstandard2.0: no .NET Standard 2.0
# reference assembly (netstandard.dll) can be had here (no NuGet, no .NET SDK; Mono ships only
# facades that forward to mscorlib), and an assembly built against those would not be one.
# .NET (Core) projects use the net462 assembly (NuGet's compatibility fallback) and take the
# native library from runtimes/.
#
# The pack is written with Python's zipfile: the NuGet client Debian has (2.8.7) predates the
# license expression, readme and runtimes/ conventions of today's packages.
#
#   scripts/nuget-pack.sh          prints the path of the package
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-python3}
work=build/nuget
out=dist/nuget
src=bindings/dotnet

die() {
    echo "nuget-pack: ERROR: $*" >&2
    exit 1
}

scripts/ensure-mono.sh net462 >&2
command -v "$python" >/dev/null 2>&1 || scripts/apt-install.sh nuget-pack python3 || exit 1
scripts/release-lib.sh >/dev/null
version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
for dll in dist/windows/x64/mppoint.dll dist/windows/x86-win7/mppoint.dll; do
    [ -f "$dll" ] || die "$dll not found: build the Windows DLLs first (make dist-windows)"
done

rm -rf "$work"
mkdir -p "$work/pkg/lib/net462" "$work/pkg/build/net462" "$out" \
    "$work/pkg/runtimes/win-x64/native" "$work/pkg/runtimes/win-x86/native" "$work/pkg/runtimes/linux-x64/native"

# What MSBuild would write for an SDK project of this version and framework.
cat >"$work/AssemblyInfo.cs" <<CS
// Written by scripts/nuget-pack.sh for the package's build.
using System.Reflection;
[assembly: AssemblyTitle("MpPoint")]
[assembly: AssemblyProduct("mppoint")]
[assembly: AssemblyDescription("Card payments on Mercado Pago Point terminals through the native mppoint library")]
[assembly: AssemblyVersion("${version%%[-+]*}.0")]
[assembly: AssemblyFileVersion("${version%%[-+]*}.0")]
[assembly: AssemblyInformationalVersion("$version")]
[assembly: System.Runtime.Versioning.TargetFramework(".NETFramework,Version=v4.6.2", FrameworkDisplayName = ".NET Framework 4.6.2")]
CS
mcs -sdk:4.6.2-api -langversion:7.2 -warn:4 -warnaserror -optimize+ -target:library \
    -out:"$work/pkg/lib/net462/MpPoint.dll" -doc:"$work/pkg/lib/net462/MpPoint.xml" \
    "$src/MpPoint.cs" "$src/MpPoint.Native.cs" "$work/AssemblyInfo.cs" >&2

cp dist/windows/x64/mppoint.dll "$work/pkg/runtimes/win-x64/native/"
cp dist/windows/x86-win7/mppoint.dll "$work/pkg/runtimes/win-x86/native/"
cp target/release/libmppoint.so "$work/pkg/runtimes/linux-x64/native/"
strip --strip-unneeded "$work/pkg/runtimes/linux-x64/native/libmppoint.so"
cp "$src/README.md" "$work/pkg/README.md"

cat >"$work/pkg/build/net462/MpPoint.targets" <<'XML'
<Project xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <!-- .NET Framework projects do not read the package's runtimes/ folder: copy the mppoint.dll
       of the program's bitness next to it. (.NET projects take it from runtimes/ themselves.) -->
  <PropertyGroup Condition="'$(TargetFrameworkIdentifier)' == '.NETFramework'">
    <MpPointNativeRid Condition="'$(PlatformTarget)' == 'x86'">win-x86</MpPointNativeRid>
    <MpPointNativeRid Condition="'$(PlatformTarget)' == 'x64'">win-x64</MpPointNativeRid>
  </PropertyGroup>
  <ItemGroup Condition="'$(MpPointNativeRid)' != ''">
    <None Include="$(MSBuildThisFileDirectory)..\..\runtimes\$(MpPointNativeRid)\native\mppoint.dll"
          Link="mppoint.dll" CopyToOutputDirectory="PreserveNewest" Visible="false" />
  </ItemGroup>
  <Target Name="MpPointNativeLibraryWarning" BeforeTargets="Build"
          Condition="'$(TargetFrameworkIdentifier)' == '.NETFramework' and '$(MpPointNativeRid)' == ''">
    <Warning Text="MpPoint: set the project's PlatformTarget to x86 or x64 so the matching mppoint.dll is copied next to the program (the native library must have the process's bitness); with AnyCPU, copy runtimes\win-x86 or runtimes\win-x64\native\mppoint.dll there yourself." />
  </Target>
</Project>
XML

cat >"$work/pkg/MpPoint.nuspec" <<XML
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>MpPoint</id>
    <version>$version</version>
    <title>mppoint for .NET</title>
    <authors>mppoint contributors</authors>
    <license type="expression">MIT OR Apache-2.0</license>
    <readme>README.md</readme>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <description>Take card payments on Mercado Pago Point terminals from .NET Framework 4.6.2+ and .NET, through the native mppoint library (included for Windows x86 and x64 and Linux x64): MpClient, MpPointException and a DllImport of every function of point.h.</description>
    <tags>mercadopago mercado-pago point payments pos card-terminal</tags>
    <dependencies>
      <group targetFramework=".NETFramework4.6.2" />
    </dependencies>
  </metadata>
</package>
XML

package=$out/MpPoint.$version.nupkg
"$python" - "$work/pkg" "$package" "$version" <<'PY'
import os, sys, uuid, zipfile

pkg, target, version = sys.argv[1:]
files = sorted(
    os.path.relpath(os.path.join(d, f), pkg).replace(os.sep, "/")
    for d, _, names in os.walk(pkg) for f in names
)
props = "package/services/metadata/core-properties/%s.psmdcp" % uuid.uuid5(uuid.NAMESPACE_URL, "MpPoint/" + version).hex
types = sorted({f.rsplit(".", 1)[1] for f in files if "." in f.rsplit("/", 1)[-1]} | {"rels", "psmdcp"})
mime = {"rels": "application/vnd.openxmlformats-package.relationships+xml",
        "psmdcp": "application/vnd.openxmlformats-package.core-properties+xml"}
content_types = ('<?xml version="1.0" encoding="utf-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 + "".join('<Default Extension="%s" ContentType="%s" />' % (t, mime.get(t, "application/octet")) for t in types)
                 + "</Types>")
rels = ('<?xml version="1.0" encoding="utf-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/MpPoint.nuspec" Id="R1" />'
        '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/%s" Id="R2" />'
        "</Relationships>" % props)
core = ('<?xml version="1.0" encoding="utf-8"?>\n<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
        "<dc:creator>mppoint contributors</dc:creator><dc:identifier>MpPoint</dc:identifier>"
        "<version>%s</version><keywords>mercadopago point payments pos</keywords></coreProperties>" % version)
tmp = target + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", content_types)
    z.writestr("_rels/.rels", rels)
    z.writestr(props, core)
    for f in files:
        z.write(os.path.join(pkg, f), f)
os.replace(tmp, target)
PY
echo "$package"
