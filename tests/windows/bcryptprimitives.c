/*
 * bcryptprimitives.c - TEST-ONLY stand-in for Windows 10's bcryptprimitives.dll, which Wine 8
 * lacks. Rust's standard library for *-pc-windows-gnu imports ProcessPrng from it, so the x64
 * and x86 DLLs do not load under Wine 8 without it. Implemented on RtlGenRandom
 * (advapi32's SystemFunction036). scripts/test-windows.sh builds it next to the test programs;
 * it is never shipped: real Windows 10+ has the real one.
 *
 *   <mingw>-gcc -shared -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32 -Wl,--kill-at
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000u ? 0x10000000u : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
