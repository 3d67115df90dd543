// Sale.cs - take one card payment on a Mercado Pago Point terminal with the mppoint .NET binding.
//
//   Sale.exe [--device DEVICE_ID] AMOUNT [EXTERNAL_REFERENCE]
//
// AMOUNT is in minor units (1500 = 15.00). Environment:
//   MP_ACCESS_TOKEN      required; the seller's access token
//   MP_BASE_URL          optional; another API address (for example the point-sim simulator)
//   MP_POLL_INTERVAL_MS  optional; how often to ask for the intent's state
//   MP_DEBUG             optional; when set, print the library's log lines on stderr
//
// Exit status: 0 when the sale reached a final state (approved, rejected, error and canceled
// are all outcomes a register must handle), 1 when the library failed, 2 for bad usage, 3 when
// we stopped waiting before the terminal finished.
//
// Build (Mono): mcs -r:MpPoint.dll Sale.cs; run with libmppoint.so next to Sale.exe or on
// LD_LIBRARY_PATH. With the .NET SDK: a console project referencing MpPoint.csproj.

using System;
using MpPoint;

internal static class Sale
{
    private const int ExitFinal = 0, ExitLibrary = 1, ExitUsage = 2, ExitNotFinal = 3;

    // Our own upper bound for one sale: the customer may need a while (card, PIN, a second
    // card), and the service abandons an intent nobody touches by itself.
    private const uint WaitTimeoutMs = 5 * 60 * 1000;

    private static volatile bool interrupted;

    private static int Main(string[] args)
    {
        string deviceArg = null;
        int i = 0;
        for (; i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal); i++)
        {
            if (args[i] == "--device" && i + 1 < args.Length)
                deviceArg = args[++i];
            else
                return Usage();
        }
        long amount;
        if (args.Length - i < 1 || args.Length - i > 2 ||
            !long.TryParse(args[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out amount) ||
            amount <= 0)
            return Usage();
        string externalReference = args.Length - i == 2 ? args[i + 1] : null;

        string token = Environment.GetEnvironmentVariable("MP_ACCESS_TOKEN");
        if (string.IsNullOrEmpty(token))
        {
            Console.Error.WriteLine("sale: set MP_ACCESS_TOKEN to the seller's access token");
            return ExitUsage;
        }

        try
        {
            // The first call checks that the loaded library can serve this binding: its major version and at
            // least its minor.
            using (MpClient client = OpenClient(token))
            {
                Console.WriteLine("mppoint " + Mp.Version);
                return Run(client, deviceArg, amount, externalReference);
            }
        }
        catch (MpPointException e)
        {
            Console.Error.WriteLine("sale: {0} (HTTP {1}): {2}", e.StatusName, e.HttpStatus, e.Message);
            return ExitLibrary;
        }
        catch (MpLibraryVersionException e)
        {
            Console.Error.WriteLine("sale: " + e.Message);
            return ExitUsage;
        }
    }

    private static MpClient OpenClient(string token)
    {
        string baseUrl = Environment.GetEnvironmentVariable("MP_BASE_URL");
        if (string.IsNullOrEmpty(baseUrl))
            return new MpClient(token);
        // MpOptions escapes every value into the options JSON.
        var options = new MpOptions { AccessToken = token, BaseUrl = baseUrl };
        string poll = Environment.GetEnvironmentVariable("MP_POLL_INTERVAL_MS");
        if (!string.IsNullOrEmpty(poll))
        {
            int pollMs;
            if (!int.TryParse(poll, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pollMs) || pollMs <= 0)
                throw new MpPointException(MpStatus.InvalidArgument, 0, "MP_POLL_INTERVAL_MS must be a number of milliseconds");
            options.PollIntervalMs = pollMs;
        }
        return new MpClient(options);
    }

    private static int Run(MpClient client, string deviceArg, long amount, string externalReference)
    {
        if (Environment.GetEnvironmentVariable("MP_DEBUG") != null)
            client.SetLogCallback((level, line) => Console.Error.WriteLine("[mppoint {0}] {1}", level, line), MpLogLevel.Debug);

        string devices = client.ListDevices();
        string firstDevice = null;
        Console.WriteLine("devices:");
        string id;
        for (int n = 0; Mp.TryJsonGet(devices, "devices." + n + ".id", out id); n++)
        {
            // Older answers may omit operating_mode; only terminals in PDV mode take intents.
            string mode;
            if (!Mp.TryJsonGet(devices, "devices." + n + ".operating_mode", out mode))
                mode = "mode unknown";
            Console.WriteLine("  {0} ({1})", id, mode);
            if (firstDevice == null)
                firstDevice = id;
        }
        if (firstDevice == null)
        {
            Console.Error.WriteLine("sale: no Point terminal is linked to this account");
            return ExitLibrary;
        }
        string device = deviceArg ?? firstDevice;
        Console.WriteLine("using device " + device);

        string intentId;
        try
        {
            intentId = client.CreateIntentSimple(device, amount, externalReference, true);
        }
        catch (MpPointException e) when (e.Status == MpStatus.DeviceBusy)
        {
            Console.Error.WriteLine("sale: {0} (HTTP {1}): {2}", e.StatusName, e.HttpStatus, e.Message);
            Console.Error.WriteLine("sale: the terminal still has a pending payment: finish or cancel it there first");
            return ExitLibrary;
        }
        Console.WriteLine("intent {0} created", intentId);

        // Ctrl-C stops the wait (the progress callback returns false) instead of killing the
        // register with an intent still pending on the terminal.
        ConsoleCancelEventHandler onCancel = (sender, e) => { e.Cancel = true; interrupted = true; };
        Console.CancelKeyPress += onCancel;
        MpIntentResult result;
        bool seenAny = false;
        MpIntentState last = MpIntentState.Unknown;
        try
        {
            result = client.WaitIntent(intentId, WaitTimeoutMs, (state, json) =>
            {
                if (!seenAny || state != last)
                    Console.WriteLine("  state: " + Mp.IntentStateName(state));
                seenAny = true;
                last = state;
                return !interrupted;
            });
        }
        catch (MpPointException e)
        {
            Console.Error.WriteLine("sale: waiting failed: {0} (HTTP {1}): {2}", e.StatusName, e.HttpStatus, e.Message);
            Console.Error.WriteLine("sale: intent {0} may still be paid: check it before retrying", intentId);
            return ExitLibrary;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        if (result.Status != MpStatus.Ok)
        {
            // WaitTimeout or Aborted: the intent still exists and would block the terminal.
            Console.WriteLine("stopped waiting while the intent was " + Mp.IntentStateName(result.State));
            try
            {
                client.CancelIntent(device, intentId);
                Console.WriteLine("the intent was cancelled");
            }
            catch (MpPointException)
            {
                Console.WriteLine("could not cancel it here: check the terminal and reconcile intent " + intentId);
            }
            return ExitNotFinal;
        }

        Console.WriteLine("result: " + Mp.IntentStateName(result.State));
        string paymentId, paymentState = null;
        if (Mp.TryJsonGet(result.Json, "payment.id", out paymentId) && paymentId != "null")
        {
            Console.WriteLine("payment id: " + paymentId);
            if (Mp.TryJsonGet(result.Json, "payment.state", out paymentState))
                Console.WriteLine("payment state: " + paymentState);
        }
        else
        {
            paymentId = null;
            Console.WriteLine("payment: none");
        }

        // FINISHED only means the terminal is done: the card may still have been declined.
        bool approved = result.State == MpIntentState.Finished && paymentState == "approved";
        if (approved)
            Console.WriteLine("-> approved: hand over the goods, keep the payment id for refunds");
        else if (result.State == MpIntentState.ConfirmationRequired)
            Console.WriteLine("-> look at the terminal's screen before handing over the goods");
        else
            Console.WriteLine("-> not paid: ask for another card or another payment method");

        if (approved)
            PrintReceipt(client, paymentId);
        return ExitFinal;
    }

    // The receipt's data comes from the Payments API; its amounts are decimals ("15.5"), so they
    // are printed as text, never through a double. A failure here does not undo the sale: the
    // money was taken, and the receipt can be printed later from the payment id.
    private static void PrintReceipt(MpClient client, string paymentId)
    {
        string payment;
        try
        {
            payment = client.GetPayment(paymentId);
        }
        catch (MpPointException e)
        {
            if (e.Status == MpStatus.NotFound)
                Console.WriteLine("receipt: the service has no payment {0} (HTTP {1}); print the receipt later from the payment id", paymentId, e.HttpStatus);
            else
                Console.WriteLine("receipt: reading payment {0} failed: {1} (HTTP {2}): {3}", paymentId, e.StatusName, e.HttpStatus, e.Message);
            return;
        }
        string[,] fields =
        {
            { "payment_method_id", "card" }, { "card.last_four_digits", "last four digits" },
            { "installments", "installments" }, { "authorization_code", "authorization code" },
            { "transaction_amount", "amount" }, { "status_detail", "status detail" },
        };
        for (int f = 0; f < fields.GetLength(0); f++)
        {
            string value;
            if (Mp.TryJsonGet(payment, fields[f, 0], out value) && value != "null")
                Console.WriteLine("receipt {0}: {1}", fields[f, 1], value);
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Sale.exe [--device DEVICE_ID] AMOUNT [EXTERNAL_REFERENCE]");
        Console.Error.WriteLine("  AMOUNT in minor units (1500 = 15.00)");
        Console.Error.WriteLine("  environment: MP_ACCESS_TOKEN (required), MP_BASE_URL, MP_POLL_INTERVAL_MS, MP_DEBUG");
        return ExitUsage;
    }
}
