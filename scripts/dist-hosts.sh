#!/usr/bin/env bash
# Lays out dist/delphi/ and dist/vb6/: for each host, exactly the files to ship and a README
# that says which goes where. The DLLs come from `make dist-windows`, the Linux library from
# scripts/release-lib.sh (Delphi's Free Pascal on Linux).
#
#   scripts/dist-hosts.sh       prints the two folders
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
for dll in x64 x86 x86-win7; do
    [ -f "dist/windows/$dll/mppoint.dll" ] ||
        { echo "dist-hosts: dist/windows/$dll/mppoint.dll not found: run make dist-windows first" >&2; exit 1; }
done

# ---- Delphi / Free Pascal ---------------------------------------------------------------------
d=dist/delphi
rm -rf "$d"
mkdir -p "$d/source" "$d/win32" "$d/win32-win7" "$d/win64" "$d/linux-x64"
cp bindings/delphi/MpPoint.pas bindings/delphi/MpPointApi.inc "$d/source/"
cp dist/windows/x86/mppoint.dll "$d/win32/"
cp dist/windows/x86-win7/mppoint.dll "$d/win32-win7/"
cp dist/windows/x64/mppoint.dll "$d/win64/"
soname=$(scripts/release-lib.sh 2>/dev/null | cut -d' ' -f2)
# A program linked against the library asks for its soname at run time: ship that file, with
# the libmppoint.so the linker looks for pointing at it.
cp target/release/libmppoint.so "$d/linux-x64/$soname"
strip --strip-unneeded "$d/linux-x64/$soname"
ln -s "$soname" "$d/linux-x64/libmppoint.so"
cat >"$d/README.md" <<MD
# mppoint $version for Delphi and Free Pascal

| file | where it goes |
|---|---|
| \`source/MpPoint.pas\` | the unit: add it to the project (or its folder to the search path); \`uses MpPoint;\` |
| \`source/MpPointApi.inc\` | beside \`MpPoint.pas\`, which includes it (the raw declarations; never edit it) |
| \`win32/mppoint.dll\` | next to the \`.exe\` of a **32-bit** program (Delphi's Win32 platform, the only one of Delphi 7 to XE) running on Windows 10 or 11 |
| \`win32-win7/mppoint.dll\` | instead of \`win32/\`, for a 32-bit program that must also run on Windows 7 SP1, POSReady 7, 8 or 8.1 (it runs on 10 and 11 too) |
| \`win64/mppoint.dll\` | next to the \`.exe\` of a **64-bit** program (Win64 platform), Windows 10 or 11 |
| \`linux-x64/$soname\` | Free Pascal on 64-bit Linux: the library (its soname), with the symlink \`libmppoint.so\` that the linker looks for; keep both on the library path, or link with \`-Fl<dir> -k-rpath=<dir>\`. Ship \`$soname\` with the program |

The DLL must have the bitness of the **program**, not of Windows: a 32-bit program needs the
32-bit DLL on 64-bit Windows too. Ship exactly one \`mppoint.dll\`, named \`mppoint.dll\`, next to
the program; it imports only Windows system DLLs (no runtime to install).

The declarations are \`cdecl\`. Define \`MPPOINT_STDCALL\` (32-bit only) to bind the DLL's stdcall
twins \`<name>_std\` instead; both conventions take the same parameters. Strings are UTF-8
\`PAnsiChar\`; \`TMpClient\` converts and frees them for you. The unit accepts a library of its
version $(cut -d. -f1-2 <<<"$version") or a later minor of the same major (a minor only adds to the interface), and refuses an
older minor or another major (\`EMpPointVersionError\`). The API reference is \`point.h\`; the
binding's own README (bindings/delphi in the source) has an example.
MD

# ---- VB6 --------------------------------------------------------------------------------------
v=dist/vb6
rm -rf "$v"
mkdir -p "$v/x86" "$v/x86-win7"
cp bindings/vb6/MpPointApi.bas bindings/vb6/MpPoint.bas "$v/"
cp dist/windows/x86/mppoint.dll "$v/x86/"
cp dist/windows/x86-win7/mppoint.dll "$v/x86-win7/"
cat >"$v/README.md" <<MD
# mppoint $version for Visual Basic 6 (and VBA on 32-bit Office)

| file | where it goes |
|---|---|
| \`MpPointApi.bas\` | add to the project (Project > Add Module): point.h's constants and a \`Declare\` per function (never edit it) |
| \`MpPoint.bas\` | add to the project too: UTF-8 conversions and wrappers (\`MpInit\`, \`MpCreateIntentKeyed\`, \`MpWaitIntent\`, \`MpCreateRefundKeyed\`, \`MpRecoverWithProgress\`, \`MpDeviceClear\`, ...) |
| \`x86/mppoint.dll\` | next to the program's \`.exe\` on Windows 10 or 11 (while developing: in the VB6 IDE's folder) |
| \`x86-win7/mppoint.dll\` | instead of \`x86/\`, when the program must also run on Windows 7 SP1, POSReady 7, 8 or 8.1 (it runs on 10 and 11 too) |

VB6 programs are always 32-bit, so there is no 64-bit DLL here, even for 64-bit Windows. Ship
exactly one \`mppoint.dll\` next to the program; it imports only Windows system DLLs. The
Declares call the DLL's stdcall exports \`<name>_std\` (VB6 can call nothing else); callbacks are
\`AddressOf\` a \`Public\` procedure of a \`.bas\` module. Compare \`MpVersion()\` with
\`MP_VERSION_MAJOR\`/\`MP_VERSION_MINOR\` at start-up: accept the same major and a minor of at
least \`MP_VERSION_MINOR\` (a minor only adds to the interface), refuse an older minor or another
major. The API reference is \`point.h\`.

Options go to \`MpInitWithOptions\` as JSON (\`MpJsonQuote\` quotes a value): \`"api":"orders"\`
speaks the Orders API (which new integrations must use; the default is \`"integration"\`), and
\`"journal_path"\` records every step of every sale in a file (\`"journal_retention_days"\`, 30 by
default, is how long settled entries stay), so that after a crash or a power cut the next start
settles what was in flight with \`MpRecover\`, before taking new sales:

\`\`\`vb
opts = "{""access_token"":" & MpJsonQuote(token) & ",""api"":""orders"""
opts = opts & ",""journal_path"":" & MpJsonQuote(App.Path & "\mppoint-journal.db") & "}"
If MpInitWithOptions(opts, client) <> MP_STATUS_OK Then MsgBox MpLastError(): Exit Sub
If MpRecoverWithProgress(client, 60000, AddressOf ExampleRecoverProgress, 0, report) = MP_STATUS_OK Then
    i = 0
    Do While MpJsonGet(report, "tickets." & i & ".verdict", verdict) = MP_STATUS_OK
        ' "paid" (never sell the ticket again), "not_paid" (it may be sold again), "pending"
        ' (call MpRecover again later), "paid_twice" (refund all but one of "payment_ids"),
        ' "refunded", "check_terminal" (look at the terminal)
        i = i + 1
    Loop
    MpAcknowledgeReport client, report   ' recorded: not reported again
End If
\`\`\`

\`report\` is \`{"sales":[entry...],"tickets":[{"ticket","verdict","payment_id","payment_ids",
"entries":[entry...]}]}\`: a ticket is a sale's external reference, its entries every attempt and
refund of it (\`idempotency_key\`, \`intent_id\`, \`amount\`, \`state\`, \`payment\`,
\`acknowledged\`, \`created_at_ms\`, \`resolution\`: \`finished\`, \`canceled\`, \`never_created\`,
\`refused\`, \`pending\`, ...). A second call gives the same answer until \`MpAcknowledgeReport\`
(\`MpAcknowledge\` does one entry). Without a journal \`MpRecover\` returns
\`MP_STATUS_INVALID_ARGUMENT\`; a journal that cannot be read or written is \`MP_STATUS_JOURNAL\`.
\`MpDeviceHolds\` says, without a request, what the journal has unfinished on a terminal;
\`MpDeviceClear\` cancels what is still OPEN there (never what the terminal has taken).

Give each sale its own idempotency key, stored with the ticket before the call:
\`MpCreateIntentKeyed(client, device, 1500, "T-1001", True, "T-1001-1", id)\`. After
\`MP_STATUS_OUTCOME_UNKNOWN\` (or a crash) the resend is the same call with the same key, which
returns the intent the service made for it or makes it once; \`MpCreateRefundKeyed\` does the same
for a refund (amount 0: the whole payment).
MD
echo "$d"
echo "$v"
