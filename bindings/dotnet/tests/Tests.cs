// Tests.cs - tests of the mppoint .NET binding (MpPoint.cs), run with Mono by bindings/dotnet/test.sh.
//
//   mono MpPointTests.exe
//
// Needs the simulator (MP_BASE_URL and MP_ACCESS_TOKEN, as scripts/with-sim.sh sets them) and,
// for the version-guard test, MPPOINT_STAND_INS: a folder with one folder per version of
// VersionCases, named after the version, holding a stand-in libmppoint.so that reports it
// (scripts/version-stand-in.sh; test.sh builds them). Prints one line per failed check, one per
// section, and a closing line "N passed, N failed"; exits 1 if anything failed.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Text;
using System.Threading;
using MpPoint;

internal static class Tests
{
    private static int passed;
    private static int failed;
    private static string section = "";

    private static readonly string[] Devices =
    {
        "PAX_A910__SMARTPOS1495357742",
        "GERTEC_MP35P__8701012051267097",
        "INGENICO_MOVE2500__ING-ARG-14886780",
    };

    private const string NonAsciiReference = "Pedido ñandú 42";

    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--version-refused-child")
            return VersionRefusedChild(args[1]);
        if (args.Length == 2 && args[0] == "--version-accepted-child")
            return VersionAcceptedChild(args[1]);
        if (args.Length == 1 && args[0] == "--missing-library-child")
            return MissingLibraryChild();
        if (args.Length == 2 && args[0] == "--ended-pos-child")
            return EndedPosChild(args[1]);

        Run("every export declared", TestEveryExport);
        Run("names", TestNames);
        Run("version", TestVersion);
        Run("sign_challenge", TestSignChallenge);
        Run("verify_signature", TestVerifySignature);
        Run("parse_notification", TestParseNotification);
        Run("json", TestJson);
        Run("invalid arguments", TestInvalidArguments);
        Run("dispose", TestDispose);

        string baseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL");
        if (string.IsNullOrEmpty(baseUrl))
        {
            section = "simulator";
            Fail("MP_BASE_URL is not set: run the tests through scripts/with-sim.sh (bindings/dotnet/test.sh does)");
        }
        else
        {
            Run("sale", TestSale);
            Run("non-ASCII reference", TestNonAsciiReference);
            Run("outcomes", TestOutcomes);
            Run("device busy", TestDeviceBusy);
            Run("wait statuses", TestWaitStatuses);
            Run("exception in progress callback", TestCallbackException);
            Run("dispose during a wait", TestDisposeDuringWait);
            Run("not found", TestNotFound);
            Run("events and settings", TestEventsAndSettings);
            Run("log callback", TestLogCallback);
            Run("threads", TestThreads);
            Run("orders api", TestOrdersApi);
            Run("recover", TestRecover);
            Run("keyed sale", TestKeyedSale);
            Run("keyed refund", TestKeyedRefund);
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MP_MANUAL_BASE_URL")))
        {
            section = "manual simulator";
            Fail("MP_MANUAL_BASE_URL is not set: bindings/dotnet/test.sh starts a point-sim --manual for it");
        }
        else
        {
            Run("recover with progress: tickets", TestRecoverTickets);
            Run("recover stopped by progress", TestRecoverStopped);
            Run("acknowledge", TestAcknowledge);
            Run("device holds and clear", TestDeviceHoldsAndClear);
        }

        Console.WriteLine("{0} passed, {1} failed", passed, failed);
        return failed == 0 ? 0 : 1;
    }

    // ---------------------------------------------------------------------------------------
    // Test plumbing

    private static void Run(string name, Action test)
    {
        section = name;
        int failedBefore = failed;
        try
        {
            test();
        }
        catch (Exception e)
        {
            Fail("unexpected exception: " + e);
        }
        Console.WriteLine("{0} {1}", failed == failedBefore ? "ok  " : "FAIL", name);
    }

    private static void Fail(string message)
    {
        failed++;
        Console.WriteLine("  FAIL [{0}] {1}", section, message);
    }

    private static void Check(bool ok, string what)
    {
        if (ok)
            passed++;
        else
            Fail(what);
    }

    private static void Equal<T>(T expected, T actual, string what)
    {
        Check(EqualityComparer<T>.Default.Equals(expected, actual),
              string.Format("{0}: expected <{1}>, got <{2}>", what, expected, actual));
    }

    /// <summary>Runs action and checks it throws MpPointException with this status (and HTTP status, unless null).</summary>
    private static MpPointException Throws(MpStatus status, int? http, string what, Action action)
    {
        try
        {
            action();
        }
        catch (MpPointException e)
        {
            bool ok = e.Status == status && (!http.HasValue || e.HttpStatus == http.Value) && !string.IsNullOrEmpty(e.Message);
            Check(ok, string.Format("{0}: expected {1}{2}, got {3} (HTTP {4}): {5}", what, status,
                                    http.HasValue ? " (HTTP " + http.Value + ")" : "", e.Status, e.HttpStatus, e.Message));
            return e;
        }
        catch (Exception e)
        {
            Fail(string.Format("{0}: expected MpPointException {1}, got {2}", what, status, e));
            return null;
        }
        Fail(string.Format("{0}: expected MpPointException {1}, but it succeeded", what, status));
        return null;
    }

    private static void ThrowsType<TException>(string what, Action action) where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException)
        {
            passed++;
            return;
        }
        catch (Exception e)
        {
            Fail(string.Format("{0}: expected {1}, got {2}", what, typeof(TException).Name, e));
            return;
        }
        Fail(string.Format("{0}: expected {1}, but it succeeded", what, typeof(TException).Name));
    }

    /// <summary>"DeviceBusy" -> "DEVICE_BUSY", the C spelling of an enum member.</summary>
    private static string CName(string member)
    {
        var name = new StringBuilder();
        foreach (char c in member)
        {
            if (char.IsUpper(c) && name.Length > 0)
                name.Append('_');
            name.Append(char.ToUpperInvariant(c));
        }
        return name.ToString();
    }

    private static MpClient SimClient()
    {
        return new MpClient(new MpOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN"),
            BaseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL"),
            PollIntervalMs = 50,
        });
    }

    /// <summary>A client for a port where nothing listens: a call that sent anything would fail with Network.</summary>
    private static MpClient DeadClient()
    {
        return new MpClient(new MpOptions
        {
            AccessToken = "TEST-dead-end",
            BaseUrl = "http://127.0.0.1:9",
            MaxRetries = 0,
            TimeoutMs = 2000,
        });
    }

    /// <summary>Waits for a final state, checking the wait itself succeeded.</summary>
    private static MpIntentResult WaitFinal(MpClient client, string intentId)
    {
        MpIntentResult result = client.WaitIntent(intentId, 30000);
        Equal(MpStatus.Ok, result.Status, "wait status of " + intentId);
        Check(result.IsFinal, "intent " + intentId + " final, got " + result.State);
        return result;
    }

    // ---------------------------------------------------------------------------------------
    // Without the simulator

    private static void TestEveryExport()
    {
        // Each function of point.h has a DllImport of the same name and parameter count, cdecl,
        // with no string in or out (strings cross as byte[] and IntPtr).
        string headerPath = Environment.GetEnvironmentVariable("MPPOINT_HEADER");
        if (string.IsNullOrEmpty(headerPath))
        {
            Fail("MPPOINT_HEADER is not set: point it at include/point.h (test.sh does)");
            return;
        }
        var exports = new Dictionary<string, int>();
        var declaration = new Regex(@"^(?!\s*[*/])[^\n]*?\b(mp_\w+)\(([^)]*)\);\s*$", RegexOptions.Multiline);
        foreach (Match m in declaration.Matches(File.ReadAllText(headerPath).Replace("\r", "")))
        {
            string parameters = m.Groups[2].Value.Trim();
            exports[m.Groups[1].Value] = parameters == "void" ? 0 : parameters.Split(',').Length;
        }
        Check(exports.Count >= 30, "the header declares the library's functions: found " + exports.Count);

        Type native = typeof(MpClient).Assembly.GetType("MpPoint.NativeMethods", true);
        var imports = new Dictionary<string, MethodInfo>();
        foreach (MethodInfo method in native.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0)
                imports[method.Name] = method;
        }
        foreach (KeyValuePair<string, int> export in exports)
        {
            MethodInfo method;
            if (!imports.TryGetValue(export.Key, out method))
            {
                Fail(export.Key + " is not declared");
                continue;
            }
            Equal(export.Value, method.GetParameters().Length, export.Key + " parameter count");
            var import = (DllImportAttribute)Attribute.GetCustomAttribute(method, typeof(DllImportAttribute));
            Check(import != null && import.Value == "mppoint" && import.CallingConvention == CallingConvention.Cdecl,
                  export.Key + " is DllImport(\"mppoint\", Cdecl)");
            bool strings = method.ReturnType == typeof(string);
            foreach (ParameterInfo parameter in method.GetParameters())
                strings |= parameter.ParameterType == typeof(string) || parameter.ParameterType == typeof(string).MakeByRefType();
            Check(!strings, export.Key + " takes and returns no string (UTF-8 byte[] in, IntPtr out)");
        }
        foreach (string name in imports.Keys)
            Check(exports.ContainsKey(name), name + " is declared but not in point.h");
    }

    private static void TestNames()
    {
        // The enums mirror point.h: every member's name is the library's name for its number.
        var statuses = (MpStatus[])Enum.GetValues(typeof(MpStatus));
        Check(statuses.Length >= 16, "MpStatus members: " + statuses.Length);
        foreach (MpStatus status in statuses)
            Equal("MP_STATUS_" + CName(status.ToString()), Mp.StatusName(status), "name of MpStatus." + status);
        // The library knows no status past the enum's last member.
        Equal("MP_STATUS_UNKNOWN", Mp.StatusName((MpStatus)statuses.Length), "name of the status after the last");
        Equal("MP_STATUS_UNKNOWN", Mp.StatusName((MpStatus)0xffffffffu), "name of status 0xffffffff");

        var states = (MpIntentState[])Enum.GetValues(typeof(MpIntentState));
        Check(states.Length >= 10, "MpIntentState members: " + states.Length);
        foreach (MpIntentState state in states)
        {
            Equal(CName(state.ToString()), Mp.IntentStateName(state), "name of MpIntentState." + state);
            bool final = state >= MpIntentState.Finished && state <= MpIntentState.ConfirmationRequired;
            Equal(final, Mp.IsFinal(state), "IsFinal(" + state + ")");
        }
        Equal("UNKNOWN", Mp.IntentStateName((MpIntentState)states.Length), "name of the state after the last");
        Equal(false, Mp.IsFinal((MpIntentState)states.Length), "IsFinal of the state after the last");
        Equal("ON_TERMINAL", Mp.IntentStateName(MpIntentState.OnTerminal), "name of ON_TERMINAL");
        Equal("CONFIRMATION_REQUIRED", Mp.IntentStateName(MpIntentState.ConfirmationRequired), "name of CONFIRMATION_REQUIRED");
    }

    /// <summary>
    /// The stand-in libraries of the version-guard test: the version each reports and whether the
    /// binding must accept it. A minor version only adds to the interface, so the next minor of
    /// the same major is accepted (its stand-in is the real library but for mp_version); an older
    /// minor may lack functions the binding calls, another major may have another ABI, and a
    /// malformed version says nothing: those are refused (their stand-ins export mp_version alone).
    /// </summary>
    private static KeyValuePair<string, bool>[] VersionCases()
    {
        int major = Mp.BindingMajor, minor = Mp.BindingMinor;
        var cases = new List<KeyValuePair<string, bool>>
        {
            new KeyValuePair<string, bool>(major + "." + (minor + 1) + ".0", true),
            new KeyValuePair<string, bool>((major + 1) + ".0.0", false),
            new KeyValuePair<string, bool>((major + 1) + "." + (minor + 1) + ".0", false),
            new KeyValuePair<string, bool>(major + ".x.0", false),
        };
        if (minor > 0)
            cases.Add(new KeyValuePair<string, bool>(major + "." + (minor - 1) + ".0", false));
        return cases.ToArray();
    }

    /// <summary>What the guard's message says this binding needs, e.g. "0.4 or a later 0.x".</summary>
    private static string VersionNeeded()
    {
        return Mp.BindingMajor + "." + Mp.BindingMinor + " or a later " + Mp.BindingMajor + ".x";
    }

    private static void TestVersion()
    {
        string version = Mp.Version;
        Check(version != null && version.StartsWith(Mp.BindingMajor + "." + Mp.BindingMinor + ".", StringComparison.Ordinal),
              "mp_version() is " + Mp.BindingMajor + "." + Mp.BindingMinor + ".x: " + version);

        string standIns = Environment.GetEnvironmentVariable("MPPOINT_STAND_INS");
        if (string.IsNullOrEmpty(standIns))
        {
            Fail("MPPOINT_STAND_INS is not set: build the stand-in libraries there with scripts/version-stand-in.sh (test.sh does)");
            return;
        }
        // For each case a child process of this program loads the stand-in instead of the real
        // library (its folder first on LD_LIBRARY_PATH).
        string libraryPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        string output;
        int exit;
        foreach (KeyValuePair<string, bool> c in VersionCases())
        {
            string folder = Path.Combine(standIns, c.Key);
            if (!File.Exists(Path.Combine(folder, "libmppoint.so")))
            {
                Fail("no stand-in library for version " + c.Key + " in " + folder + " (test.sh builds one per version of VersionCases)");
                continue;
            }
            exit = RunChild((c.Value ? "--version-accepted-child " : "--version-refused-child ") + c.Key,
                            folder + (string.IsNullOrEmpty(libraryPath) ? "" : ":" + libraryPath), out output);
            if (c.Value)
            {
                Check(exit == 0, "the version guard accepts library " + c.Key + " and the binding works with it (child exit " + exit + "): " + output);
            }
            else
            {
                Check(exit == 0, "the version guard refuses library " + c.Key + " (child exit " + exit + "): " + output);
                Check(output.Contains(VersionNeeded()) && output.Contains(c.Key),
                      "the guard's message says what the binding needs and names library " + c.Key + ": " + output);
            }
        }

        // And one that finds no library at all (the stand-ins' folder holds no libmppoint.so).
        exit = RunChild("--missing-library-child", Path.Combine(standIns, "empty"), out output);
        Check(exit == 0, "a missing library is a DllNotFoundException that says what to deploy (child exit " + exit + "): " + output);
    }

    /// <summary>Runs this program again under the same runtime with one argument and LD_LIBRARY_PATH.</summary>
    private static int RunChild(string argument, string libraryPath, out string output)
    {
        var start = new ProcessStartInfo
        {
            FileName = Process.GetCurrentProcess().MainModule.FileName,
            Arguments = "--debug \"" + Assembly.GetEntryAssembly().Location + "\" " + argument,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.EnvironmentVariables["LD_LIBRARY_PATH"] = libraryPath;
        using (Process child = Process.Start(start))
        {
            var stderr = child.StandardError.ReadToEndAsync();
            output = (child.StandardOutput.ReadToEnd() + stderr.Result).Trim();
            child.WaitForExit();
            return child.ExitCode;
        }
    }

    private static int MissingLibraryChild()
    {
        try
        {
            new MpClient("TEST-x").Dispose();
            Console.WriteLine("no exception without a library");
            return 1;
        }
        catch (DllNotFoundException e)
        {
            Console.WriteLine(e.Message);
            return e.Message.Contains("libmppoint.so") && e.Message.Contains("next to the program") ? 0 : 1;
        }
    }

    /// <summary>
    /// In a process whose libmppoint.so reports version (a stand-in exporting mp_version alone):
    /// every first use must throw MpLibraryVersionException, before the binding calls anything else.
    /// </summary>
    private static int VersionRefusedChild(string version)
    {
        string message = null;
        int refused = 0;
        Action[] uses =
        {
            () => new MpClient("TEST-x").Dispose(),
            () => Mp.SignChallenge("Jefe", "x"),
            () => Mp.JsonGet("{}", ""),
        };
        foreach (Action use in uses)
        {
            try
            {
                use();
                Console.WriteLine("no exception");
            }
            catch (MpLibraryVersionException e)
            {
                if (e.LoadedVersion == version)
                    refused++;
                message = e.Message;
            }
            catch (Exception e)
            {
                Console.WriteLine("unexpected: " + e);
            }
        }
        Console.WriteLine("version {0}; refused {1} of {2}: {3}", Mp.Version, refused, uses.Length, message);
        return refused == uses.Length ? 0 : 1;
    }

    /// <summary>
    /// In a process whose libmppoint.so reports version but is otherwise the real library: the
    /// guard lets every use through, and the calls reach the library and give its answers.
    /// </summary>
    private static int VersionAcceptedChild(string version)
    {
        int ok = 0;
        var uses = new KeyValuePair<string, Func<bool>>[]
        {
            new KeyValuePair<string, Func<bool>>("MpClient", () =>
            {
                using (var client = new MpClient("TEST-x"))
                    return !client.IsDisposed;
            }),
            new KeyValuePair<string, Func<bool>>("SignChallenge", () =>
                Mp.SignChallenge("Jefe", "what do ya want for nothing?") ==
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            new KeyValuePair<string, Func<bool>>("JsonGet", () => Mp.JsonGet("{\"a\":[7]}", "a.0") == "7"),
        };
        foreach (KeyValuePair<string, Func<bool>> use in uses)
        {
            try
            {
                if (use.Value())
                    ok++;
                else
                    Console.WriteLine(use.Key + ": wrong answer");
            }
            catch (Exception e)
            {
                Console.WriteLine(use.Key + ": " + e);
            }
        }
        Console.WriteLine("version {0}; {1} of {2} uses worked", Mp.Version, ok, uses.Length);
        return Mp.Version == version && ok == uses.Length ? 0 : 1;
    }

    private static void TestSignChallenge()
    {
        // RFC 4231, test case 2.
        Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
              Mp.SignChallenge("Jefe", "what do ya want for nothing?"), "HMAC-SHA256 RFC 4231 case 2");
        // UTF-8 bytes are signed as they are: printf %s 'ñandú' | openssl dgst -sha256 -hmac 'clave-ñ'
        Equal("dc51fa9dc94f91e73551636ba95db7dd61b917816cf7bcb60d7135837073c985",
              Mp.SignChallenge("clave-ñ", "ñandú"), "HMAC-SHA256 of non-ASCII text");
        Throws(MpStatus.InvalidArgument, 0, "SignChallenge(null secret)", () => Mp.SignChallenge(null, "x"));
        Throws(MpStatus.InvalidArgument, 0, "SignChallenge(null code)", () => Mp.SignChallenge("Jefe", null));
    }

    private static void TestVerifySignature()
    {
        const string secret = "webhook-secret";
        const long ts = 1700000000;
        // The signed text of a notification with data.id 1 and no x-request-id.
        string v1 = Mp.SignChallenge(secret, "id:1;ts:" + ts + ";");
        string header = "ts=" + ts + ",v1=" + v1;
        string reason;

        Check(Mp.VerifySignature(secret, header, null, "1", 300, ts + 10, out reason), "good signature accepted: " + reason);
        Equal("", reason, "no reason for a good signature");
        Check(Mp.VerifySignature(secret, header, "", "1", 0, 0), "good signature, no time check");
        Check(Mp.VerifySignature(secret, "ts=" + ts + ",v1=" + new string('0', 64) + ",v1=" + v1, null, "1", 300, ts),
              "any one of several v1 values is enough");

        Check(!Mp.VerifySignature("another-secret", header, null, "1", 300, ts, out reason), "wrong secret refused");
        Check(reason.Contains("does not match"), "reason for a wrong secret: " + reason);
        Check(!Mp.VerifySignature(secret, header, null, "2", 300, ts, out reason), "changed data.id refused");
        Check(!Mp.VerifySignature(secret, header, "req-1", "1", 300, ts, out reason), "added request id refused");
        Check(!Mp.VerifySignature(secret, header, null, "1", 300, ts + 301, out reason), "stale timestamp refused");
        Check(reason.Contains("stale"), "reason for a stale timestamp: " + reason);
        Check(!Mp.VerifySignature(secret, "v1=" + v1, null, "1", 0, 0, out reason), "header without ts refused");
        Check(reason.Contains("malformed"), "reason for a malformed header: " + reason);
        Check(!Mp.VerifySignature(null, header, null, "1", 0, 0), "missing secret refused");
        Check(!Mp.VerifySignature(secret, null, null, "1", 0, 0), "missing header refused");
        Check(!Mp.VerifySignature(secret, header + "\0", null, "1", 0, 0, out reason) && reason.Contains("NUL"),
              "a header with a NUL character is refused, not thrown: " + reason);
    }

    private static void TestParseNotification()
    {
        const string body =
            "{\"id\":\"7d8c70b6-2ac8-4c57-a441-c319088ca3ca\",\"created_at\":\"2021-08-22 19:24:14\",\"amount\":1400," +
            "\"payment\":{\"id\":18308029193,\"type\":\"credit_card\",\"state\":\"approved\"}," +
            "\"additional_info\":{\"external_reference\":\"Pedido ñandú 42\"},\"state\":\"FINISHED\"}";
        MpIntentResult n = Mp.ParseNotification(body);
        Equal(MpIntentState.Finished, n.State, "notification state");
        Equal("payment_intent", Mp.JsonGet(n.Json, "kind"), "kind");
        Equal("7d8c70b6-2ac8-4c57-a441-c319088ca3ca", Mp.JsonGet(n.Json, "intent_id"), "intent_id");
        Equal("1400", Mp.JsonGet(n.Json, "amount"), "amount");
        Equal("18308029193", Mp.JsonGet(n.Json, "payment_id"), "payment_id");
        Equal("approved", Mp.JsonGet(n.Json, "payment_state"), "payment_state");
        Equal(NonAsciiReference, Mp.JsonGet(n.Json, "external_reference"), "external_reference");

        MpIntentResult canceled = Mp.ParseNotification("{\"id\":\"c1\",\"amount\":2500,\"state\":\"CANCELED\"}");
        Equal(MpIntentState.Canceled, canceled.State, "canceled notification state");
        Equal("null", Mp.JsonGet(canceled.Json, "payment_id"), "no payment on a canceled intent");

        Throws(MpStatus.InvalidArgument, 0, "ParseNotification(not JSON)", () => Mp.ParseNotification("state=FINISHED"));
        Throws(MpStatus.InvalidArgument, 0, "ParseNotification(no state)", () => Mp.ParseNotification("{\"id\":\"x\"}"));
        Throws(MpStatus.InvalidArgument, 0, "ParseNotification(null)", () => Mp.ParseNotification(null));
    }

    private static void TestJson()
    {
        const string json = "{\"payment\":{\"id\":123456789012345678,\"amount\":15.10},\"devices\":[{\"id\":\"A\"},{\"id\":\"B\"}],\"t\":\"ñ\"}";
        Equal("123456789012345678", Mp.JsonGet(json, "payment.id"), "an 18-digit id keeps every digit");
        Equal("15.10", Mp.JsonGet(json, "payment.amount"), "a decimal keeps its digits");
        Equal("B", Mp.JsonGet(json, "devices.1.id"), "array index");
        Equal("ñ", Mp.JsonGet(json, "t"), "non-ASCII value");
        Equal("{\"id\":\"A\"}", Mp.JsonGet(json, "devices.0"), "an object comes out as compact JSON");

        MpPointException e = Throws(MpStatus.NotFound, 0, "JsonGet(missing path)", () => Mp.JsonGet(json, "payment.state"));
        Check(e != null && e.Message.StartsWith("mp_json_get: ", StringComparison.Ordinal), "the message names the function: " + (e == null ? "" : e.Message));
        string value;
        Check(!Mp.TryJsonGet(json, "devices.2.id", out value) && value == null, "TryJsonGet is false past the end of an array");
        Check(Mp.TryJsonGet(json, "devices.0.id", out value) && value == "A", "TryJsonGet finds a value");
        Throws(MpStatus.InvalidArgument, 0, "JsonGet(not JSON)", () => Mp.JsonGet("{oops", "a"));
        Throws(MpStatus.InvalidArgument, 0, "TryJsonGet(not JSON)", () => Mp.TryJsonGet("{oops", "a", out value));

        // JsonQuote builds JSON the library reads back to the same text.
        const string awkward = "quote \" backslash \\ tab \t newline \n bell \u0007 ñandú € 😀";
        Equal(awkward, Mp.JsonGet("{\"k\":" + Mp.JsonQuote(awkward) + "}", "k"), "JsonQuote round trip");
    }

    private static void TestInvalidArguments()
    {
        Throws(MpStatus.InvalidArgument, 0, "new MpClient(\"\")", () => new MpClient("").Dispose());
        Throws(MpStatus.InvalidArgument, 0, "new MpClient(null)", () => new MpClient((string)null).Dispose());
        MpPointException e = Throws(MpStatus.InvalidArgument, 0, "an unknown option",
                                    () => MpClient.FromOptionsJson("{\"access_token\":\"TEST-x\",\"poll_intervl_ms\":50}").Dispose());
        Check(e != null && e.Message.Contains("poll_intervl_ms"), "the message names the unknown option: " + (e == null ? "" : e.Message));
        Throws(MpStatus.InvalidArgument, 0, "plain http to a remote host",
               () => new MpClient(new MpOptions { AccessToken = "TEST-x", BaseUrl = "http://example.com" }).Dispose());
        Throws(MpStatus.InvalidArgument, 0, "a token with a NUL character", () => new MpClient("TEST-\0x").Dispose());
        Throws(MpStatus.InvalidArgument, 0, "a token with a lone surrogate", () => new MpClient("TEST-\ud800").Dispose());

        // Every check below happens in the library before anything is sent: this client's server
        // does not exist, so a call that sent a request would fail with Network instead.
        using (MpClient client = DeadClient())
        {
            string dev = Devices[0];
            Throws(MpStatus.InvalidArgument, 0, "amount 0", () => client.CreateIntentSimple(dev, 0));
            Throws(MpStatus.InvalidArgument, 0, "negative amount", () => client.CreateIntentSimple(dev, -1500));
            Throws(MpStatus.InvalidArgument, 0, "amount as a decimal", () => client.CreateIntent(dev, "{\"amount\":15.5}"));
            Throws(MpStatus.InvalidArgument, 0, "intent JSON that is not JSON", () => client.CreateIntent(dev, "amount=1500"));
            Throws(MpStatus.InvalidArgument, 0, "idempotency key with a space", () => client.CreateIntent(dev, "{\"amount\":1500}", "my key"));
            Throws(MpStatus.InvalidArgument, 0, "null device id", () => client.CreateIntentSimple(null, 1500));
            Throws(MpStatus.InvalidArgument, 0, "a device id that cannot be part of a URL", () => client.CreateIntentSimple("A/../B", 1500));
            Throws(MpStatus.InvalidArgument, 0, "null intent JSON", () => client.CreateIntent(dev, null));
            Throws(MpStatus.InvalidArgument, 0, "IntentStatus(null)", () => client.IntentStatus(null));
            Throws(MpStatus.InvalidArgument, 0, "WaitIntent(null)", () => client.WaitIntent(null, 0));
            Throws(MpStatus.InvalidArgument, 0, "CancelIntent(null intent)", () => client.CancelIntent(dev, null));
            Throws(MpStatus.InvalidArgument, 0, "CancelIntent(null device)", () => client.CancelIntent(null, "i"));
            Throws(MpStatus.InvalidArgument, 0, "IntentLastEvent(null)", () => client.IntentLastEvent(null));
            Throws(MpStatus.InvalidArgument, 0, "ListIntentEvents(null)", () => client.ListIntentEvents(null, "2026-01-01"));
            Throws(MpStatus.InvalidArgument, 0, "ListIntentEvents(not a date)", () => client.ListIntentEvents("yesterday", "2026-01-01"));
            Throws(MpStatus.InvalidArgument, 0, "list devices with an unknown filter", () => client.ListDevices("{\"colour\":\"red\"}"));
            Throws(MpStatus.InvalidArgument, 0, "SetOperatingMode(null mode)", () => client.SetOperatingMode(dev, null));
            Throws(MpStatus.InvalidArgument, 0, "SetWebhook(null)", () => client.SetWebhook(null));
            Throws(MpStatus.InvalidArgument, 0, "SetWebhook(ftp URL)", () => client.SetWebhook("ftp://example.com/hook"));

            // Refunds, payments and test users: only what needs no server.
            Throws(MpStatus.InvalidArgument, 0, "CreateRefund(payment id with letters)", () => client.CreateRefund(dev, "2000000000a"));
            Throws(MpStatus.InvalidArgument, 0, "CreateRefund(null payment id)", () => client.CreateRefund(dev, null));
            Throws(MpStatus.InvalidArgument, 0, "CreateRefund(null device)", () => client.CreateRefund(null, "20000000001"));
            Throws(MpStatus.InvalidArgument, 0, "CreateRefund(refund JSON not an object)", () => client.CreateRefund(dev, "20000000001", "[1]"));
            Throws(MpStatus.InvalidArgument, 0, "RefundStatus(null)", () => client.RefundStatus(null));
            Throws(MpStatus.InvalidArgument, 0, "WaitRefund(null)", () => client.WaitRefund(null, 0, (s, j) => true));
            Throws(MpStatus.InvalidArgument, 0, "CancelRefund(null refund)", () => client.CancelRefund(dev, null));
            Throws(MpStatus.InvalidArgument, 0, "GetPayment(null)", () => client.GetPayment(null));
            Throws(MpStatus.InvalidArgument, 0, "GetPayment(not digits)", () => client.GetPayment("abc"));
            Throws(MpStatus.InvalidArgument, 0, "CreateTestUser(null)", () => client.CreateTestUser(null));
            Throws(MpStatus.InvalidArgument, 0, "CreateTestUser(lower case)", () => client.CreateTestUser("mla"));

            Throws(MpStatus.InvalidArgument, 0, "log level 0", () => client.SetLogCallback((l, m) => { }, (MpLogLevel)0));
            Throws(MpStatus.InvalidArgument, 0, "log level 5", () => client.SetLogCallback((l, m) => { }, (MpLogLevel)5));
            client.SetLogCallback((l, m) => { }, MpLogLevel.Error);
            client.SetLogCallback(null);
            passed++;

            // Nothing above reached the network: a real request to the dead server fails with Network.
            Throws(MpStatus.Network, 0, "a request to a port where nothing listens", () => client.ListDevices());
        }
    }

    private static void TestDispose()
    {
        MpClient client = DeadClient();
        Check(!client.IsDisposed, "a new client is not disposed");
        client.Dispose();
        client.Dispose();
        Check(client.IsDisposed, "IsDisposed after Dispose");
        ThrowsType<ObjectDisposedException>("ListDevices after Dispose", () => client.ListDevices());
        ThrowsType<ObjectDisposedException>("WaitIntent after Dispose", () => client.WaitIntent("x", 0));
        ThrowsType<ObjectDisposedException>("SetLogCallback after Dispose", () => client.SetLogCallback(null));
        client.Dispose();
        passed++;

        // using + an explicit Dispose inside it: disposed twice, no exception.
        using (MpClient other = DeadClient())
            other.Dispose();
        passed++;

        // Clients nobody disposed are freed by the finalizer without trouble.
        for (int i = 0; i < 100; i++)
            DeadClient();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        passed++;
    }

    // ---------------------------------------------------------------------------------------
    // Against the simulator

    private static void TestSale()
    {
        using (MpClient client = SimClient())
        {
            string devices = client.ListDevices();
            for (int i = 0; i < Devices.Length; i++)
                Equal(Devices[i], Mp.JsonGet(devices, "devices." + i + ".id"), "device " + i);
            Equal("1", Mp.JsonGet(client.ListDevices("{\"pos_id\":47792477}"), "paging.total"), "filter by pos_id");

            string id = client.CreateIntentSimple(Devices[0], 1500, "dotnet-sale", true);
            Check(!string.IsNullOrEmpty(id), "intent id");
            var seen = new List<MpIntentState>();
            bool jsonSeen = false;
            int threadId = Thread.CurrentThread.ManagedThreadId;
            bool sameThread = true;
            MpIntentResult result = client.WaitIntent(id, 30000, (state, json) =>
            {
                seen.Add(state);
                sameThread &= Thread.CurrentThread.ManagedThreadId == threadId;
                if (json.Length > 0)
                    jsonSeen = Mp.JsonGet(json, "id") == id;
                return true;
            });
            Equal(MpStatus.Ok, result.Status, "wait status");
            Equal(MpIntentState.Finished, result.State, "final state");
            Check(result.IsFinal, "IsFinal");
            Equal(id, Mp.JsonGet(result.Json, "id"), "intent id in the final JSON");
            Equal("1500", Mp.JsonGet(result.Json, "amount"), "amount in minor units");
            Equal("approved", Mp.JsonGet(result.Json, "payment.state"), "payment state");
            Check(Mp.JsonGet(result.Json, "payment.id").Length > 0, "payment id");
            Check(seen.Count >= 2 && seen[seen.Count - 1] == MpIntentState.Finished,
                  "the progress callback saw the final state last: " + string.Join(",", seen));
            bool ordered = true;
            for (int i = 1; i < seen.Count; i++)
                ordered &= seen[i] >= seen[i - 1];
            Check(ordered, "states only move forward: " + string.Join(",", seen));
            Check(seen.Contains(MpIntentState.Open) || seen.Contains(MpIntentState.OnTerminal), "an early state was seen: " + string.Join(",", seen));
            Check(jsonSeen, "the callback received the intent's JSON");
            Check(sameThread, "the callback ran on the waiting thread");

            MpIntentResult again = client.IntentStatus(id);
            Equal(MpIntentState.Finished, again.State, "IntentStatus after the wait");
            Equal("dotnet-sale", Mp.JsonGet(again.Json, "additional_info.external_reference"), "external reference");
        }
    }

    private static void TestOrdersApi()
    {
        using (MpClient client = new MpClient(new MpOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN"),
            BaseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL"),
            PollIntervalMs = 50,
            Api = "orders",
        }))
        {
            string id = client.CreateIntentSimple(Devices[1], 2490, "dotnet-orders", false);
            Check(id.StartsWith("ORD", StringComparison.Ordinal), "an order id: " + id);
            MpIntentResult result = WaitFinal(client, id);
            Equal(MpIntentState.Finished, result.State, "final state");
            Equal("2490", Mp.JsonGet(result.Json, "amount"), "amount in minor units");
            Equal("approved", Mp.JsonGet(result.Json, "payment.state"), "payment state");
            Throws(MpStatus.Unsupported, null, "the Orders API has no integrator webhook", () => client.GetIntegrator());
        }
    }

    /// <summary>A POS process that sends a sale with its journal and ends before waiting for it.</summary>
    private static int EndedPosChild(string journal)
    {
        var client = new MpClient(new MpOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN"),
            BaseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL"),
            JournalPath = journal,
        });
        Console.WriteLine(client.CreateIntentSimple(Devices[2], 1500, "dotnet-crash", false));
        Environment.Exit(0); // gone mid-sale, without Dispose, as a crash leaves it
        return 1;
    }

    private static void TestRecover()
    {
        string journal = Path.Combine(Path.GetTempPath(), "mppoint-dotnet-" + Guid.NewGuid().ToString("N") + ".journal");
        string output;
        int exit = RunChild("--ended-pos-child " + journal, Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), out output);
        Equal(0, exit, "the POS child ran: " + output);
        string intentId = output.Trim();
        using (MpClient client = new MpClient(new MpOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN"),
            BaseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL"),
            PollIntervalMs = 50,
            JournalPath = journal,
        }))
        {
            string report = client.Recover(30000);
            string second;
            Check(!Mp.TryJsonGet(report, "sales.1", out second), "one sale recovered: " + report);
            Equal(intentId, Mp.JsonGet(report, "sales.0.intent_id"), "the child's sale");
            Equal("1500", Mp.JsonGet(report, "sales.0.amount"), "its amount");
            Equal("dotnet-crash", Mp.JsonGet(report, "sales.0.external_reference"), "its reference");
            string resolution = Mp.JsonGet(report, "sales.0.resolution");
            // Still OPEN: cancelled; already on the terminal: waited for to its end.
            Check(resolution == "canceled" || resolution == "finished", "settled: " + report);
            Check(client.IntentStatus(intentId).IsFinal, "nothing left payable");
            Equal(report, client.Recover(0), "recovering twice gives the same answer");
        }
        using (MpClient client = SimClient())
        {
            MpPointException e = Throws(MpStatus.InvalidArgument, null, "Recover without a journal", () => client.Recover(0));
            Check(e != null && e.Message.Contains("journal"), "the message names the journal");
        }
        foreach (string file in new[] { journal, journal + "-wal", journal + "-shm" })
            File.Delete(file);
    }

    // ---------------------------------------------------------------------------------------
    // 0.4: keys of the caller's, recovery's tickets, acknowledgements, what holds a terminal

    private static string Unique(string prefix)
    {
        return prefix + "-" + Guid.NewGuid().ToString("N");
    }

    /// <summary>A GET or POST of the simulator's control API (/_sim/...) at baseUrl: its JSON answer.</summary>
    private static string Sim(string baseUrl, string method, string path, string body = null)
    {
        using (var web = new System.Net.WebClient())
        {
            web.Encoding = Encoding.UTF8;
            if (method == "GET")
                return web.DownloadString(baseUrl + path);
            web.Headers[System.Net.HttpRequestHeader.ContentType] = "application/json";
            return web.UploadString(baseUrl + path, method, body ?? "");
        }
    }

    private static string ManualUrl
    {
        get { return Environment.GetEnvironmentVariable("MP_MANUAL_BASE_URL"); }
    }

    private static string NewJournal()
    {
        return Path.Combine(Path.GetTempPath(), Unique("mppoint-dotnet") + ".journal");
    }

    private static void DeleteJournal(string journal)
    {
        foreach (string file in new[] { journal, journal + "-wal", journal + "-shm" })
            File.Delete(file);
    }

    /// <summary>A client of the manual simulator, with a journal unless journal is null.</summary>
    private static MpClient ManualClient(string journal)
    {
        return new MpClient(new MpOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN"),
            BaseUrl = ManualUrl,
            PollIntervalMs = 50,
            JournalPath = journal,
        });
    }

    /// <summary>A POS that creates a sale with its journal and is gone before following it (its client disposed).</summary>
    private static string EndedPos(string journal, string device, string ticket, string key)
    {
        using (MpClient pos = ManualClient(journal))
            return pos.CreateIntentSimple(device, 1500, ticket, false, key);
    }

    private static void TestKeyedSale()
    {
        string baseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL");
        using (MpClient client = SimClient())
        {
            string key = Unique("dotnet-keyed");
            string first = client.CreateIntentSimple(Devices[0], 1500, "dotnet-keyed", false, key);
            string again = client.CreateIntentSimple(Devices[0], 1500, "dotnet-keyed", false, key);
            Equal(first, again, "the same create with the same key is the same intent");
            Equal("1", Mp.JsonGet(Sim(baseUrl, "GET", "/_sim/idempotency/" + key), "intents_created"), "one intent made for the key");
            MpPointException e = Throws(MpStatus.Api, 400, "the key with another amount",
                                        () => client.CreateIntentSimple(Devices[0], 1600, "dotnet-keyed", false, key));
            Check(e != null && e.Message.StartsWith("mp_create_intent_keyed", StringComparison.Ordinal), "the keyed export answered: " + (e == null ? "" : e.Message));
            Equal("approved", Mp.JsonGet(WaitFinal(client, first).Json, "payment.state"), "the keyed sale is paid");
            // Named arguments reach the key too.
            string named = client.CreateIntentSimple(Devices[0], 1700, idempotencyKey: Unique("dotnet-named"));
            WaitFinal(client, named);
        }
        // Programs compiled against 0.3 call the four-parameter overload: it must stay.
        Check(typeof(MpClient).GetMethod("CreateIntentSimple", new[] { typeof(string), typeof(long), typeof(string), typeof(bool) }) != null,
              "CreateIntentSimple(string, long, string, bool) still exists");
    }

    private static void TestKeyedRefund()
    {
        string baseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL");
        using (MpClient client = SimClient())
        {
            string dev = Devices[1];
            string paymentId = Mp.JsonGet(WaitFinal(client, client.CreateIntentSimple(dev, 2000, "dotnet-refund")).Json, "payment.id");
            string key = Unique("dotnet-refund");
            string refundId = client.CreateRefundKeyed(dev, paymentId, 0, key);
            Check(!string.IsNullOrEmpty(refundId), "a refund id");
            Equal(refundId, client.CreateRefundKeyed(dev, paymentId, 0, key), "the resend with the key is the same refund");
            Equal("1", Mp.JsonGet(Sim(baseUrl, "GET", "/_sim/idempotency/" + key), "intents_created"), "one refund made for the key");
            MpIntentResult refund = client.WaitRefund(refundId, 30000);
            Equal(MpIntentState.Finished, refund.State, "the refund's final state");
            Equal("refunded", Mp.JsonGet(client.GetPayment(paymentId), "status"), "the payment is refunded");
            Throws(MpStatus.Unsupported, 0, "a partial refund with the Point Integration API", () => client.CreateRefundKeyed(dev, paymentId, 500));
        }
        using (MpClient orders = new MpClient(new MpOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN"),
            BaseUrl = baseUrl,
            PollIntervalMs = 50,
            Api = "orders",
        }))
        {
            string orderId = orders.CreateIntentSimple(Devices[2], 2490, "dotnet-orders-refund");
            WaitFinal(orders, orderId);
            string refundId = orders.CreateRefundKeyed(Devices[2], orderId, 500, Unique("dotnet-or"));
            MpIntentResult refund = orders.WaitRefund(refundId, 30000);
            Equal(MpIntentState.Finished, refund.State, "the partial refund's final state");
            Equal("500", Mp.JsonGet(refund.Json, "amount"), "500 refunded");
        }
    }

    private static void TestRecoverTickets()
    {
        string journal = NewJournal();
        string key = Unique("dotnet-recover");
        string intentId = EndedPos(journal, Devices[0], "DOTNET-T-1", key);
        using (MpClient client = ManualClient(journal))
        {
            var states = new List<MpIntentState>();
            var entries = new List<string>();
            string report = client.Recover(30000, (state, json) =>
            {
                states.Add(state);
                entries.Add(json);
                return true;
            });
            Check(states.Count >= 1 && states[0] == MpIntentState.Open, "progress saw the OPEN entry first: " + string.Join(",", states));
            if (entries.Count > 0)
                Equal(key, Mp.JsonGet(entries[0], "idempotency_key"), "progress got the entry's JSON");
            string ignored;
            Equal("DOTNET-T-1", Mp.JsonGet(report, "tickets.0.ticket"), "the ticket: " + report);
            Check(!Mp.TryJsonGet(report, "tickets.1", out ignored), "one ticket");
            // Still OPEN on a manual terminal: cancelled, so the ticket is not paid.
            Equal("not_paid", Mp.JsonGet(report, "tickets.0.verdict"), "its verdict");
            Equal("null", Mp.JsonGet(report, "tickets.0.payment_id"), "no payment");
            Equal(intentId, Mp.JsonGet(report, "tickets.0.entries.0.intent_id"), "its entry");
            Equal("canceled", Mp.JsonGet(report, "tickets.0.entries.0.resolution"), "resolution");
            Equal(key, Mp.JsonGet(report, "sales.0.idempotency_key"), "sales keeps the entry");
            Equal("DOTNET-T-1", Mp.JsonGet(report, "sales.0.ticket"), "the entry's ticket");
            Equal("false", Mp.JsonGet(report, "sales.0.acknowledged"), "not acknowledged yet");
            Check(Regex.IsMatch(Mp.JsonGet(report, "sales.0.created_at_ms"), "^1[0-9]{12}$"), "created_at_ms in Unix ms");
            Equal(MpIntentState.Canceled, client.IntentStatus(intentId).State, "nothing left payable");
            Equal(report, client.Recover(0), "twice, the same answer");

            client.AcknowledgeReport(report);
            string after = client.Recover(0, (state, json) => true);
            Equal("[]", Mp.JsonGet(after, "sales"), "nothing reported once acknowledged");
            Equal("[]", Mp.JsonGet(after, "tickets"), "no ticket once acknowledged");
            client.Acknowledge(key); // twice is fine
        }
        DeleteJournal(journal);
    }

    private static void TestRecoverStopped()
    {
        string journal = NewJournal();
        string key = Unique("dotnet-stop");
        EndedPos(journal, Devices[1], "DOTNET-T-2", key);
        using (MpClient client = ManualClient(journal))
        {
            int calls = 0;
            string report = client.Recover(30000, (state, json) =>
            {
                calls++;
                return false;
            });
            Equal(1, calls, "stopped at the first call");
            Equal("pending", Mp.JsonGet(report, "tickets.0.verdict"), "not settled: " + report);
            Equal("pending", Mp.JsonGet(report, "sales.0.resolution"), "the entry is pending");
            Equal("false", Mp.JsonGet(client.DeviceHolds(Devices[1]), "holds.0.process_running"), "it holds the terminal, its process gone");

            var boom = new InvalidOperationException("boom from recovery's progress");
            try
            {
                client.Recover(30000, (state, json) => { throw boom; });
                Fail("Recover returned although its progress threw");
            }
            catch (InvalidOperationException e)
            {
                Check(ReferenceEquals(e, boom), "the progress's own exception comes out of Recover");
            }
            Equal(key, Mp.JsonGet(client.DeviceHolds(Devices[1]), "holds.0.idempotency_key"), "still unsettled after the exception");

            client.AcknowledgeReport(report); // leaves what is pending
            string settled = client.Recover(30000);
            Equal("canceled", Mp.JsonGet(settled, "sales.0.resolution"), "settled at last");
            Equal("not_paid", Mp.JsonGet(settled, "tickets.0.verdict"), "its verdict");
            Equal("[]", Mp.JsonGet(client.DeviceHolds(Devices[1]), "holds"), "the terminal is free");
        }
        DeleteJournal(journal);
    }

    private static void TestAcknowledge()
    {
        string journal = NewJournal();
        using (MpClient pos = ManualClient(journal))
        {
            Throws(MpStatus.NotFound, 0, "acknowledge a key the journal lacks", () => pos.Acknowledge("no-such-key"));
            string key = Unique("dotnet-ack");
            string id = pos.CreateIntentSimple(Devices[2], 1500, "DOTNET-T-3", false, key);
            Throws(MpStatus.InvalidArgument, 0, "acknowledge an entry not settled yet", () => pos.Acknowledge(key));
            Throws(MpStatus.InvalidArgument, 0, "acknowledge what is not a report", () => pos.AcknowledgeReport("{\"x\":1}"));
            pos.CancelIntent(Devices[2], id);
            Equal(MpIntentState.Canceled, WaitFinal(pos, id).State, "cancelled");
            pos.Acknowledge(key);
            passed++;
        }
        DeleteJournal(journal);
        using (MpClient client = ManualClient(null))
        {
            Throws(MpStatus.InvalidArgument, 0, "Acknowledge without a journal", () => client.Acknowledge("k"));
            Throws(MpStatus.InvalidArgument, 0, "AcknowledgeReport without a journal", () => client.AcknowledgeReport("{\"sales\":[]}"));
            Throws(MpStatus.InvalidArgument, 0, "DeviceHolds without a journal", () => client.DeviceHolds(Devices[0]));
            Throws(MpStatus.InvalidArgument, 0, "DeviceClear without a journal", () => client.DeviceClear(Devices[0]));
        }
    }

    private static void TestDeviceHoldsAndClear()
    {
        string journal = NewJournal();
        string dev = Devices[0];
        using (MpClient pos = ManualClient(journal))
        {
            Equal("[]", Mp.JsonGet(pos.DeviceHolds(dev), "holds"), "nothing holds it yet");
            string id = pos.CreateIntentSimple(dev, 1500, "DOTNET-T-4", false, Unique("dotnet-hold"));
            string holds = pos.DeviceHolds(dev);
            Equal(dev, Mp.JsonGet(holds, "device_id"), "holds: its device");
            Equal(id, Mp.JsonGet(holds, "holds.0.intent_id"), "the OPEN sale holds it: " + holds);
            Equal("DOTNET-T-4", Mp.JsonGet(holds, "holds.0.ticket"), "its ticket");
            Equal("true", Mp.JsonGet(holds, "holds.0.process_running"), "this process follows it");

            string cleared = pos.DeviceClear(dev);
            Equal("true", Mp.JsonGet(cleared, "free"), "free after the clear: " + cleared);
            Equal(id, Mp.JsonGet(cleared, "cleared.0.intent_id"), "the sale was cleared");
            Equal("CANCELED", Mp.JsonGet(cleared, "cleared.0.state"), "by cancelling it");
            Equal("[]", Mp.JsonGet(cleared, "holding"), "nothing holding");
            Equal(MpIntentState.Canceled, pos.IntentStatus(id).State, "the service has it cancelled");
            Equal("[]", Mp.JsonGet(pos.DeviceHolds(dev), "holds"), "nothing holds it any more");

            // What the terminal has taken is never touched.
            string taken = pos.CreateIntentSimple(dev, 1500, "DOTNET-T-5", false, Unique("dotnet-taken"));
            Sim(ManualUrl, "POST", "/_sim/devices/" + dev + "/green-key");
            cleared = pos.DeviceClear(dev);
            Equal("false", Mp.JsonGet(cleared, "free"), "not free while on the terminal: " + cleared);
            Equal(taken, Mp.JsonGet(cleared, "holding.0.intent_id"), "it is what holds the terminal");
            Equal(MpIntentState.OnTerminal, pos.IntentStatus(taken).State, "untouched");
            Sim(ManualUrl, "POST", "/_sim/devices/" + dev + "/cancel");
            Equal(MpIntentState.Canceled, WaitFinal(pos, taken).State, "cancelled on the terminal");
        }
        DeleteJournal(journal);
    }

    private static void TestNonAsciiReference()
    {
        using (MpClient client = SimClient())
        {
            string id = client.CreateIntentSimple(Devices[1], 1500, NonAsciiReference);
            Equal(NonAsciiReference, Mp.JsonGet(client.IntentStatus(id).Json, "additional_info.external_reference"),
                  "reference read back by IntentStatus");
            string inCallback = null;
            MpIntentResult result = client.WaitIntent(id, 30000, (state, json) =>
            {
                if (json.Length > 0)
                    inCallback = Mp.JsonGet(json, "additional_info.external_reference");
                return true;
            });
            Equal(NonAsciiReference, inCallback, "reference in the progress callback's JSON");
            Equal(NonAsciiReference, Mp.JsonGet(result.Json, "additional_info.external_reference"), "reference in the final JSON");

            // The same through the JSON body, with characters that need escaping.
            const string tricky = "Pedido \"ñandú\" \\ 42 €";
            string created = client.CreateIntent(Devices[1],
                "{\"amount\":2500,\"additional_info\":{\"external_reference\":" + Mp.JsonQuote(tricky) + ",\"print_on_terminal\":false}}",
                "dotnet-nonascii-" + Guid.NewGuid().ToString("N"));
            string createdId = Mp.JsonGet(created, "id");
            Equal(tricky, Mp.JsonGet(created, "additional_info.external_reference"), "reference in CreateIntent's answer");
            Equal(tricky, Mp.JsonGet(WaitFinal(client, createdId).Json, "additional_info.external_reference"), "reference after the wait");
        }
    }

    private static void TestOutcomes()
    {
        using (MpClient client = SimClient())
        {
            MpIntentResult rejected = WaitFinal(client, client.CreateIntentSimple(Devices[2], 1200));
            Equal(MpIntentState.Finished, rejected.State, "1200: state");
            Equal("rejected", Mp.JsonGet(rejected.Json, "payment.state"), "1200: payment state");

            MpIntentResult error = WaitFinal(client, client.CreateIntentSimple(Devices[2], 1300));
            Equal(MpIntentState.Error, error.State, "1300: state");
            string payment;
            Check(!Mp.TryJsonGet(error.Json, "payment.id", out payment) || payment == "null", "1300: no payment id");
        }
    }

    private static void TestDeviceBusy()
    {
        using (MpClient client = SimClient())
        {
            string dev = Devices[0];
            string first = client.CreateIntentSimple(dev, 1500, "dotnet-busy-1");
            MpPointException e = Throws(MpStatus.DeviceBusy, 409, "a second intent on a busy device",
                                        () => client.CreateIntentSimple(dev, 1600, "dotnet-busy-2"));
            Check(e != null && e.StatusName == "MP_STATUS_DEVICE_BUSY", "StatusName of the exception");
            Throws(MpStatus.DeviceBusy, 409, "CreateIntent on a busy device", () => client.CreateIntent(dev, "{\"amount\":1700}"));

            // The first intent is still OPEN: the POS can cancel it, and the device is free again.
            Equal(first, Mp.JsonGet(client.CancelIntent(dev, first), "id"), "cancel answers the intent's id");
            Equal(MpIntentState.Canceled, WaitFinal(client, first).State, "cancelled intent's final state");
            string next = client.CreateIntentSimple(dev, 1500, "dotnet-busy-3");
            Equal(MpIntentState.Finished, WaitFinal(client, next).State, "a new intent after the cancel");
        }
    }

    private static void TestWaitStatuses()
    {
        using (MpClient client = SimClient())
        {
            string dev = Devices[1];
            string id = client.CreateIntentSimple(dev, 1500);

            // timeout 0: exactly one read; the out-values hold it.
            MpIntentResult once = client.WaitIntent(id, 0);
            Equal(MpStatus.WaitTimeout, once.Status, "WaitIntent(timeout 0) status");
            Check(!once.IsFinal, "not final after one read: " + once.State);
            Check(once.Json != null && Mp.JsonGet(once.Json, "id") == id, "the JSON of the one read");

            // Stop once the terminal has the intent: Aborted, and from then on only the terminal can cancel it.
            MpIntentResult aborted = client.WaitIntent(id, 30000, (state, json) => state < MpIntentState.OnTerminal);
            Equal(MpStatus.Aborted, aborted.Status, "status after the callback asked to stop");
            Check(aborted.State >= MpIntentState.OnTerminal && !aborted.IsFinal, "stopped at ON_TERMINAL or later: " + aborted.State);
            Throws(MpStatus.IntentLocked, 409, "cancel an intent on the terminal", () => client.CancelIntent(dev, id));

            // A callback asking to stop at the final read does not turn success into Aborted.
            MpIntentResult last = client.WaitIntent(id, 30000, (state, json) => !Mp.IsFinal(state));
            Equal(MpStatus.Ok, last.Status, "stopping at the final state still returns Ok");
            Equal(MpIntentState.Finished, last.State, "final state");
        }
    }

    private static void TestCallbackException()
    {
        using (MpClient client = SimClient())
        {
            string id = client.CreateIntentSimple(Devices[2], 1500);
            var boom = new InvalidOperationException("boom from the progress callback");
            int calls = 0;
            try
            {
                client.WaitIntent(id, 30000, (state, json) =>
                {
                    calls++;
                    throw boom;
                });
                Fail("WaitIntent returned although its callback threw");
            }
            catch (InvalidOperationException e)
            {
                Check(ReferenceEquals(e, boom), "the callback's own exception comes out of WaitIntent");
            }
            Equal(1, calls, "the wait stopped at the first exception");
            // The client still works afterwards.
            Equal(MpIntentState.Finished, WaitFinal(client, id).State, "wait again after the exception");
        }
    }

    private static void TestDisposeDuringWait()
    {
        MpClient client = SimClient();
        string id = client.CreateIntentSimple(Devices[0], 1500);
        bool disposedInside = false;
        // mp_free must not run while a call uses the client: the SafeHandle defers it to the end of the wait.
        MpIntentResult result = client.WaitIntent(id, 30000, (state, json) =>
        {
            if (!disposedInside)
            {
                client.Dispose();
                disposedInside = true;
            }
            return true;
        });
        Check(disposedInside, "Dispose ran inside the callback");
        Equal(MpStatus.Ok, result.Status, "the wait finished normally");
        Equal(MpIntentState.Finished, result.State, "final state");
        Check(client.IsDisposed, "disposed afterwards");
        ThrowsType<ObjectDisposedException>("a call after that", () => client.IntentStatus(id));
    }

    private static void TestNotFound()
    {
        using (MpClient client = SimClient())
        {
            Throws(MpStatus.NotFound, 404, "status of an unknown intent", () => client.IntentStatus("00000000-0000-4000-8000-000000000000"));
            Throws(MpStatus.NotFound, 404, "wait on an unknown intent", () => client.WaitIntent("00000000-0000-4000-8000-000000000000", 5000));
            Throws(MpStatus.NotFound, 404, "intent on an unknown device", () => client.CreateIntentSimple("NO_SUCH_DEVICE", 1500));
        }
    }

    private static void TestEventsAndSettings()
    {
        using (MpClient client = SimClient())
        {
            string id = client.CreateIntentSimple(Devices[1], 1500);
            WaitFinal(client, id);
            Equal("FINISHED", Mp.JsonGet(client.IntentLastEvent(id), "status"), "last event of a finished intent");
            string today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            string events = client.ListIntentEvents(today, today);
            bool found = false;
            string eventId;
            for (int i = 0; Mp.TryJsonGet(events, "events." + i + ".payment_intent_id", out eventId); i++)
                found |= eventId == id;
            Check(found, "today's events list the intent");

            Equal("PDV", Mp.JsonGet(client.SetOperatingMode(Devices[2], "PDV"), "operating_mode"), "SetOperatingMode");
            string integrator = client.GetIntegrator();
            Check(Mp.JsonGet(integrator, "token").Length > 0, "the integrator has a webhook token");
        }
    }

    private static void TestLogCallback()
    {
        string token = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN");
        using (MpClient client = SimClient())
        {
            var lines = new List<string>();
            client.SetLogCallback((level, line) => { lock (lines) lines.Add(level + " " + line); }, MpLogLevel.Debug);
            client.ListDevices();
            int count;
            lock (lines)
                count = lines.Count;
            Check(count > 0, "a request logs at least one line");
            bool mentionsDevices = false, leaksToken = false;
            lock (lines)
            {
                foreach (string line in lines)
                {
                    mentionsDevices |= line.Contains("/devices");
                    leaksToken |= !string.IsNullOrEmpty(token) && line.Contains(token);
                }
            }
            Check(mentionsDevices, "the log names the path: " + string.Join(" | ", lines));
            Check(!leaksToken, "the log never contains the access token");

            // A throwing callback does not break the request.
            client.SetLogCallback((level, line) => { throw new InvalidOperationException("log boom"); }, MpLogLevel.Debug);
            Check(Mp.JsonGet(client.ListDevices(), "devices.0.id") == Devices[0], "a request whose log callback throws still succeeds");

            client.SetLogCallback(null);
            lock (lines)
                count = lines.Count;
            client.ListDevices();
            lock (lines)
                Equal(count, lines.Count, "no lines after logging is turned off");
        }
    }

    private static void TestThreads()
    {
        // One client, one sale per device, each on its own thread.
        using (MpClient client = SimClient())
        {
            var results = new MpIntentResult[Devices.Length];
            var errors = new Exception[Devices.Length];
            var threads = new Thread[Devices.Length];
            for (int i = 0; i < Devices.Length; i++)
            {
                int n = i;
                threads[n] = new Thread(() =>
                {
                    try
                    {
                        string id = client.CreateIntentSimple(Devices[n], 1000 + n, "dotnet-thread-" + n);
                        results[n] = client.WaitIntent(id, 30000, (s, j) => true);
                    }
                    catch (Exception e)
                    {
                        errors[n] = e;
                    }
                });
                threads[n].Start();
            }
            foreach (Thread t in threads)
                t.Join();
            for (int i = 0; i < Devices.Length; i++)
            {
                Check(errors[i] == null, "thread " + i + " failed: " + errors[i]);
                if (results[i] == null)
                    continue;
                Equal(MpIntentState.Finished, results[i].State, "thread " + i + " final state");
                Equal((1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), Mp.JsonGet(results[i].Json, "amount"), "thread " + i + " amount");
            }
        }
    }
}
