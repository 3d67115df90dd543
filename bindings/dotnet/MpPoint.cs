// MpPoint.cs: the .NET binding of mppoint, a native library to take card payments on Mercado
// Pago Point terminals through the cloud Point Integration API.
//
// Two files, C# 7.3, no dependencies: add MpPoint.cs and MpPoint.Native.cs (the enums and the
// DllImports, generated from the library's sources by `make generate`) to a .NET Framework
// 4.6.2+ or .NET Standard 2.0+ project (or reference the MpPoint NuGet package, or build
// MpPoint.csproj), and ship the native library next to the program: mppoint.dll on Windows (the
// same bitness as the process), libmppoint.so on Linux.
//
// The binding follows include/point.h, whose comments are the reference for every call. What
// it adds:
// - MpClient owns the native client through a SafeHandle: Dispose() is safe twice, safe while
//   another thread is inside a call (the native client is freed when that call returns), and a
//   forgotten client is freed by the finalizer.
// - Every failure is an MpPointException with the library's status, the HTTP status of the last
//   answer and the library's English explanation. Null for a required argument is not checked
//   here: it reaches the library, which answers MpStatus.InvalidArgument.
// - Strings cross as UTF-8 both ways; every string the library returns is copied and freed
//   with mp_string_free at once. A string with a NUL character or a lone surrogate is refused
//   with MpStatus.InvalidArgument before anything is sent.
// - Before the first call the binding checks that the loaded library has the major version of
//   this binding (Mp.BindingMajor, generated) and at least its minor (Mp.BindingMinor), and
//   throws MpLibraryVersionException if not: a minor version only adds to the interface, so a
//   newer one serves this binding, but an older one may lack functions it calls and another
//   major may have another ABI.
// - Money is a long in minor units (1500 is 15.00), never a float.

using System;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MpPoint
{
    /// <summary>
    /// A failed mppoint call. Status is the library's status; HttpStatus the HTTP status of the
    /// last answer (0 if none, e.g. for a local check); Message the library's explanation.
    /// </summary>
    public class MpPointException : Exception
    {
        /// <summary>A failure with the library's status, the HTTP status (0 if none) and its explanation.</summary>
        public MpPointException(MpStatus status, int httpStatus, string message)
            : this(status, httpStatus, message, "")
        {
        }

        /// <summary>As the other constructor, with the idempotency key the failed create sent.</summary>
        public MpPointException(MpStatus status, int httpStatus, string message, string idempotencyKey)
            : base(message)
        {
            Status = status;
            HttpStatus = httpStatus;
            IdempotencyKey = idempotencyKey ?? "";
        }

        /// <summary>
        /// The idempotency key the failed create sent (mp_last_idempotency_key), or "" for other
        /// calls. After <see cref="MpStatus.OutcomeUnknown"/>, send the same create again with it.
        /// </summary>
        public string IdempotencyKey { get; private set; }

        /// <summary>What went wrong, e.g. MpStatus.DeviceBusy.</summary>
        public MpStatus Status { get; private set; }

        /// <summary>The HTTP status of the last answer the call received, or 0 if it received none.</summary>
        public int HttpStatus { get; private set; }

        /// <summary>The C name of Status, e.g. "MP_STATUS_DEVICE_BUSY".</summary>
        public string StatusName
        {
            get { return Mp.StatusName(Status); }
        }
    }

    /// <summary>
    /// The loaded native library cannot serve this binding: it has another major version, or an older
    /// minor than the binding's (a newer minor is accepted). Deploy the mppoint.dll / libmppoint.so
    /// that came with this file, or a newer one of the same major.
    /// </summary>
    public class MpLibraryVersionException : InvalidOperationException
    {
        /// <summary>The library reported loadedVersion; message says what to deploy.</summary>
        public MpLibraryVersionException(string loadedVersion, string message)
            : base(message)
        {
            LoadedVersion = loadedVersion;
        }

        /// <summary>What mp_version() returned.</summary>
        public string LoadedVersion { get; private set; }
    }

    /// <summary>
    /// Progress of a wait, called after every status read (the last one included) on the
    /// thread that waits. intentJson is "" until a read succeeds. Return true to keep waiting,
    /// false to stop (the wait then returns with Status Aborted). It may call other methods of
    /// the client. An exception thrown here stops the wait and is rethrown by the wait.
    /// </summary>
    public delegate bool MpWaitProgress(MpIntentState state, string intentJson);

    /// <summary>A state and the JSON it was read from: a status read, a wait, a notification.</summary>
    public sealed class MpIntentResult
    {
        internal MpIntentResult(MpStatus status, MpIntentState state, string json)
        {
            Status = status;
            State = state;
            Json = json;
        }

        /// <summary>Ok; for a wait also WaitTimeout or Aborted (State and Json are then the last seen).</summary>
        public MpStatus Status { get; private set; }

        /// <summary>The intent's state.</summary>
        public MpIntentState State { get; private set; }

        /// <summary>The intent's JSON; null only after a wait in which no read succeeded.</summary>
        public string Json { get; private set; }

        /// <summary>True if State is final: the intent will not change again.</summary>
        public bool IsFinal
        {
            get { return Mp.IsFinal(State); }
        }
    }

    /// <summary>
    /// Options of MpClient (the JSON of mp_init_with_options). Null or 0 leaves an option at
    /// the library's default.
    /// </summary>
    public sealed class MpOptions
    {
        /// <summary>Required: TEST-... or APP_USR-...</summary>
        public string AccessToken { get; set; }
        /// <summary>Default https://api.mercadopago.com; http:// only for loopback (the simulator).</summary>
        public string BaseUrl { get; set; }
        /// <summary>"MLA", "MLB" or "MLM": amounts are checked against the site's limits before sending.</summary>
        public string Site { get; set; }
        /// <summary>The most one call may take, retries included (default 30000).</summary>
        public int TimeoutMs { get; set; }
        /// <summary>Default 10000.</summary>
        public int ConnectTimeoutMs { get; set; }
        /// <summary>Default 2, at most 10; null for the default (0 is a valid value).</summary>
        public int? MaxRetries { get; set; }
        /// <summary>Pause between reads of a wait (default 1000, at least 10).</summary>
        public int PollIntervalMs { get; set; }
        /// <summary>E.g. "sandbox": sent as header x-test-scope.</summary>
        public string TestScope { get; set; }
        /// <summary>E.g. "http://proxy:3128" (proxy environment variables are ignored).</summary>
        public string Proxy { get; set; }
        /// <summary>A PEM file of extra trusted certificates (a corporate TLS proxy's CA).</summary>
        public string CaFile { get; set; }
        /// <summary>Default "mppoint/&lt;version&gt;".</summary>
        public string UserAgent { get; set; }
        /// <summary>"integration" (the default: the Point Integration API) or "orders" (the Orders API); the same calls either way.</summary>
        public string Api { get; set; }
        /// <summary>A file (created if missing) where every step of every sale is recorded, so that Recover settles after a crash what was in flight.</summary>
        public string JournalPath { get; set; }
        /// <summary>How long final journal entries are kept (default 30 days, 1 to 3650).</summary>
        public int JournalRetentionDays { get; set; }

        /// <summary>The options as the JSON object mp_init_with_options reads.</summary>
        public string ToJson()
        {
            var json = new StringBuilder("{");
            AddString(json, "access_token", AccessToken ?? "");
            AddString(json, "base_url", BaseUrl);
            AddString(json, "site", Site);
            AddNumber(json, "timeout_ms", TimeoutMs);
            AddNumber(json, "connect_timeout_ms", ConnectTimeoutMs);
            if (MaxRetries.HasValue)
                json.Append(",\"max_retries\":").Append(MaxRetries.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            AddNumber(json, "poll_interval_ms", PollIntervalMs);
            AddString(json, "test_scope", TestScope);
            AddString(json, "proxy", Proxy);
            AddString(json, "ca_file", CaFile);
            AddString(json, "user_agent", UserAgent);
            AddString(json, "api", Api);
            AddString(json, "journal_path", JournalPath);
            AddNumber(json, "journal_retention_days", JournalRetentionDays);
            return json.Append('}').ToString();
        }

        private static void AddString(StringBuilder json, string key, string value)
        {
            if (value == null)
                return;
            if (json.Length > 1)
                json.Append(',');
            json.Append('"').Append(key).Append("\":").Append(Mp.JsonQuote(value));
        }

        private static void AddNumber(StringBuilder json, string key, int value)
        {
            if (value == 0)
                return;
            json.Append(",\"").Append(key).Append("\":").Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// A client: one access token, its options and a pool of kept-alive connections. Any number
    /// of threads may use one client at once. Dispose it when done.
    /// </summary>
    public sealed class MpClient : IDisposable
    {
        private readonly MpClientHandle handle;

        /// <summary>A client for the production service with the default options (mp_init).</summary>
        public MpClient(string accessToken)
        {
            Mp.EnsureLibrary();
            IntPtr raw = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_init(Mp.ToUtf8(accessToken), ref raw);
            handle = Adopt(status, "mp_init", raw);
        }

        /// <summary>A client from options (mp_init_with_options).</summary>
        public MpClient(MpOptions options)
            : this(OpenWithOptions(options))
        {
        }

        private MpClient(MpClientHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>A client from the JSON object of mp_init_with_options (unknown keys are refused).</summary>
        public static MpClient FromOptionsJson(string optionsJson)
        {
            return new MpClient(OpenWithOptions(optionsJson));
        }

        private static MpClientHandle OpenWithOptions(MpOptions options)
        {
            return OpenWithOptions(options == null ? null : options.ToJson());
        }

        private static MpClientHandle OpenWithOptions(string optionsJson)
        {
            Mp.EnsureLibrary();
            IntPtr raw = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_init_with_options(Mp.ToUtf8(optionsJson), ref raw);
            return Adopt(status, "mp_init_with_options", raw);
        }

        private static MpClientHandle Adopt(MpStatus status, string function, IntPtr raw)
        {
            if (status != MpStatus.Ok)
                throw Mp.Failure(status, function);
            if (raw == IntPtr.Zero)
                throw new MpPointException(MpStatus.Internal, 0, function + " returned no client");
            return new MpClientHandle(raw);
        }

        /// <summary>True once Dispose has been called.</summary>
        public bool IsDisposed
        {
            get { return handle.IsClosed; }
        }

        /// <summary>
        /// Frees the client and closes its connections. Safe to call more than once. If another
        /// thread is inside a call on this client, the native client is freed when that call
        /// returns; later calls throw ObjectDisposedException.
        /// </summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <summary>The terminals as JSON: {"devices":[{"id","pos_id","store_id","external_pos_id","operating_mode"}],"paging":{...}}.</summary>
        /// <param name="filtersJson">Null for all, or an object with store_id, pos_id, limit, offset.</param>
        public string ListDevices(string filtersJson = null)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_list_devices(Handle(), Mp.ToUtf8(filtersJson), ref json), "mp_list_devices");
            return Mp.TakeString(json);
        }

        /// <summary>Switches a terminal to "PDV" or "STANDALONE" (applied after a restart). Returns {"operating_mode": ...}.</summary>
        public string SetOperatingMode(string deviceId, string mode)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_set_operating_mode(Handle(), Mp.ToUtf8(deviceId), Mp.ToUtf8(mode), ref json), "mp_set_operating_mode");
            return Mp.TakeString(json);
        }

        /// <summary>The webhook settings {"token","webhook","is_valid_webhook"}; token is the secret for Mp.SignChallenge.</summary>
        public string GetIntegrator()
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_get_integrator(Handle(), ref json), "mp_get_integrator");
            return Mp.TakeString(json);
        }

        /// <summary>Registers the webhook URL; then call CheckWebhook.</summary>
        public void SetWebhook(string url)
        {
            Check(NativeMethods.mp_set_webhook(Handle(), Mp.ToUtf8(url)), "mp_set_webhook");
        }

        /// <summary>Asks the service to challenge the registered webhook; returns once it answered correctly.</summary>
        public void CheckWebhook()
        {
            Check(NativeMethods.mp_check_webhook(Handle()), "mp_check_webhook");
        }

        /// <summary>
        /// Sends the client's log lines at minLevel and more severe to callback (null turns
        /// logging off). The callback runs on the thread that made the request, maybe on several
        /// threads at once; an exception it throws is dropped. Lines never contain the token.
        /// </summary>
        public void SetLogCallback(Action<MpLogLevel, string> callback, MpLogLevel minLevel = MpLogLevel.Info)
        {
            NativeMethods.LogCallback native = null;
            if (callback != null)
            {
                native = (userData, level, message) =>
                {
                    try
                    {
                        callback((MpLogLevel)level, Mp.PeekString(message));
                    }
                    catch (Exception)
                    {
                        // An exception must not unwind through native frames; a log line is
                        // not worth failing the request for.
                    }
                };
            }
            MpClientHandle client = Handle();
            lock (client.LogCallbacks)
            {
                NativeMethods.mp_set_log_callback(client, native, IntPtr.Zero, (uint)minLevel);
                // The function returns nothing: an empty mp_last_error() means it succeeded.
                string error = Mp.PeekString(NativeMethods.mp_last_error());
                if (!string.IsNullOrEmpty(error))
                    throw new MpPointException(MpStatus.InvalidArgument, 0, "mp_set_log_callback: " + error);
                if (native != null)
                    client.LogCallbacks.Add(native);
            }
        }

        /// <summary>
        /// Creates a payment intent from the API's JSON body, e.g.
        /// {"amount":1500,"additional_info":{"external_reference":"T-1","print_on_terminal":true}}.
        /// Returns the created intent's JSON. idempotencyKey: null for a new one; pass the same key
        /// again after a crash or a Timeout to get the same intent back.
        /// </summary>
        public string CreateIntent(string deviceId, string intentJson, string idempotencyKey = null)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_create_intent(Handle(), Mp.ToUtf8(deviceId), Mp.ToUtf8(intentJson), Mp.ToUtf8(idempotencyKey), ref json), "mp_create_intent");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Creates a payment intent of amount minor units (1500 = 15.00) and returns its id. The
        /// library builds and escapes the body, so any reference text is safe.
        /// </summary>
        /// <param name="deviceId">The terminal.</param>
        /// <param name="amount">Minor units: 1500 is 15.00.</param>
        /// <param name="externalReference">Null for none; the POS's ticket, which groups its attempts in Recover's tickets.</param>
        /// <param name="printOnTerminal">Print the receipt on the terminal.</param>
        /// <param name="idempotencyKey">
        /// Null for a new one (mp_create_intent_simple), or your own (mp_create_intent_keyed):
        /// 1-128 visible ASCII characters (at most 64 with the Orders API), e.g. "T-1001-1". Store
        /// it with the ticket before the call; after OutcomeUnknown (or a crash) call this again
        /// with the same arguments and key: it returns the intent the service made for it, or
        /// makes it once. Never a new key while the first may exist.
        /// </param>
        public string CreateIntentSimple(string deviceId, long amount, string externalReference = null, bool printOnTerminal = false, string idempotencyKey = null)
        {
            IntPtr id = IntPtr.Zero;
            if (idempotencyKey == null)
                Check(NativeMethods.mp_create_intent_simple(Handle(), Mp.ToUtf8(deviceId), amount, Mp.ToUtf8(externalReference), printOnTerminal ? 1 : 0, ref id), "mp_create_intent_simple");
            else
                Check(NativeMethods.mp_create_intent_keyed(Handle(), Mp.ToUtf8(deviceId), amount, Mp.ToUtf8(externalReference), printOnTerminal ? 1 : 0, Mp.ToUtf8(idempotencyKey), ref id), "mp_create_intent_keyed");
            return Mp.TakeString(id);
        }

        /// <summary>
        /// CreateIntentSimple without a key: the 0.3 signature, kept for programs compiled against
        /// it (C# picks it for four arguments; it does what the other does with a null key).
        /// </summary>
        public string CreateIntentSimple(string deviceId, long amount, string externalReference, bool printOnTerminal)
        {
            return CreateIntentSimple(deviceId, amount, externalReference, printOnTerminal, null);
        }

        /// <summary>Reads a payment intent once (the service allows one read per second per intent).</summary>
        public MpIntentResult IntentStatus(string intentId)
        {
            MpIntentState state = MpIntentState.Unknown;
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_intent_status(Handle(), Mp.ToUtf8(intentId), ref state, ref json), "mp_intent_status");
            return new MpIntentResult(MpStatus.Ok, state, Mp.TakeString(json));
        }

        /// <summary>Cancels an intent that is still OPEN. IntentLocked: it is on the terminal; cancel it there. Returns {"id": ...}.</summary>
        public string CancelIntent(string deviceId, string intentId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_cancel_intent(Handle(), Mp.ToUtf8(deviceId), Mp.ToUtf8(intentId), ref json), "mp_cancel_intent");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Blocks until the payment intent is final, reading it every poll_interval_ms. Returns
        /// with Status Ok (final), WaitTimeout (timeoutMs passed) or Aborted (progress returned
        /// false), with the last state and JSON seen; throws MpPointException on other failures.
        /// timeoutMs 0 means exactly one read.
        /// </summary>
        public MpIntentResult WaitIntent(string intentId, uint timeoutMs, MpWaitProgress progress = null)
        {
            return Wait(false, intentId, timeoutMs, progress);
        }

        /// <summary>The last state change of an intent: {"status","created_on",...}.</summary>
        public string IntentLastEvent(string intentId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_intent_last_event(Handle(), Mp.ToUtf8(intentId), ref json), "mp_intent_last_event");
            return Mp.TakeString(json);
        }

        /// <summary>The last state of every intent changed between two dates ("YYYY-MM-DD", inclusive, at most 30 days apart).</summary>
        public string ListIntentEvents(string startDate, string endDate)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_list_intent_events(Handle(), Mp.ToUtf8(startDate), Mp.ToUtf8(endDate), ref json), "mp_list_intent_events");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Sends a refund of a card payment (paymentId: payment.id of the FINISHED intent, digits)
        /// to a terminal. refundJson: null, or the refund's additional_info object. Returns the
        /// refund intent's JSON; follow its id with RefundStatus or WaitRefund.
        /// </summary>
        public string CreateRefund(string deviceId, string paymentId, string refundJson = null, string idempotencyKey = null)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_create_refund(Handle(), Mp.ToUtf8(deviceId), Mp.ToUtf8(paymentId), Mp.ToUtf8(refundJson), Mp.ToUtf8(idempotencyKey), ref json), "mp_create_refund");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// A refund from plain values (mp_create_refund_keyed); returns the refund's id, to follow
        /// with WaitRefund. paymentId: the payment's number with the Point Integration API
        /// (payment.id of the FINISHED sale), the sale's order id (ORD...) with the Orders API.
        /// amount: 0 refunds the whole payment (with the Orders API, what is left of it); more than
        /// 0, that many minor units (a partial refund: Orders API only, else Unsupported and nothing
        /// is sent). idempotencyKey: null for a new one, or your own as in CreateIntentSimple: the
        /// resend after OutcomeUnknown is the same call with the same key.
        /// </summary>
        public string CreateRefundKeyed(string deviceId, string paymentId, long amount = 0, string idempotencyKey = null)
        {
            IntPtr id = IntPtr.Zero;
            Check(NativeMethods.mp_create_refund_keyed(Handle(), Mp.ToUtf8(deviceId), Mp.ToUtf8(paymentId), amount, Mp.ToUtf8(idempotencyKey), ref id), "mp_create_refund_keyed");
            return Mp.TakeString(id);
        }

        /// <summary>Reads a refund intent once.</summary>
        public MpIntentResult RefundStatus(string refundId)
        {
            MpIntentState state = MpIntentState.Unknown;
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_refund_status(Handle(), Mp.ToUtf8(refundId), ref state, ref json), "mp_refund_status");
            return new MpIntentResult(MpStatus.Ok, state, Mp.TakeString(json));
        }

        /// <summary>WaitIntent for refund intents: Finished means the payment was refunded.</summary>
        public MpIntentResult WaitRefund(string refundId, uint timeoutMs, MpWaitProgress progress = null)
        {
            return Wait(true, refundId, timeoutMs, progress);
        }

        /// <summary>Cancels a refund intent that is still OPEN. Returns {"id": ...}.</summary>
        public string CancelRefund(string deviceId, string refundId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_cancel_refund(Handle(), Mp.ToUtf8(deviceId), Mp.ToUtf8(refundId), ref json), "mp_cancel_refund");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Reads a payment from the Payments API: what a receipt needs (status, status_detail,
        /// payment_method_id, card.last_four_digits, authorization_code, installments, ...).
        /// Its amounts are decimals: read them with Mp.JsonGet as text, not through a double.
        /// </summary>
        public string GetPayment(string paymentId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_get_payment(Handle(), Mp.ToUtf8(paymentId), ref json), "mp_get_payment");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Settles, after a crash, every sale and refund of the journal (MpOptions.JournalPath)
        /// whose process has ended, waiting up to timeoutMs in all for those still on a
        /// terminal; call it at start-up, before new sales. Returns
        /// {"sales":[entry...],"tickets":[{"ticket","verdict","payment_id","payment_ids","entries":[entry...]}]}.
        /// Act per ticket: verdict "paid" (payment_id; never sell it again), "not_paid" (it may be
        /// sold again), "pending" (call again later), "paid_twice" (payment_ids: refund all but
        /// one), "refunded" or "check_terminal" (look at the terminal). An entry:
        /// "idempotency_key", "intent_id", "kind", "device_id", "amount", "external_reference",
        /// "ticket", "payment_id", "state", "payment", "acknowledged", "created_at_ms" and
        /// "resolution": "finished" (read state and payment), "canceled" (it was still OPEN: the
        /// sale is void), "never_created", "refused" (the service refused the create) or
        /// "pending" (call again); "sales" keeps 0.3's words: a refused create is
        /// "never_created" there, with "refused": true. Twice gives the same answer, until AcknowledgeReport. Throws
        /// MpPointException InvalidArgument on a client without a journal.
        /// </summary>
        public string Recover(uint timeoutMs)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_recover(Handle(), timeoutMs, ref json), "mp_recover");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Recover with progress (mp_recover_with_progress), on the calling thread: called before
        /// each unfinished entry is settled, with its journaled state and its entry's JSON, and
        /// after every read while recovery waits for a sale on a terminal, with the sale's JSON.
        /// Return false to stop: nothing more is sent, the entries not yet settled are reported
        /// "pending", and the report is returned. An exception thrown by progress stops recovery
        /// and is rethrown here.
        /// </summary>
        public string Recover(uint timeoutMs, MpWaitProgress progress)
        {
            MpClientHandle client = Handle();
            var bridge = new ProgressBridge(progress);
            IntPtr json = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_recover_with_progress(client, timeoutMs, bridge.Native, IntPtr.Zero, ref json);
            GC.KeepAlive(bridge.Native);
            MpPointException failure = status == MpStatus.Ok ? null : Mp.Failure(status, "mp_recover_with_progress");
            string text = Mp.TakeString(json);
            bridge.RethrowIfThrown();
            if (failure != null)
                throw failure;
            return text;
        }

        /// <summary>
        /// Says the POS has recorded the outcome of one journal entry (by its idempotency key):
        /// Recover no longer reports it. NotFound if the journal has no such entry;
        /// InvalidArgument if it is not settled yet, or without a journal. Twice is fine.
        /// </summary>
        public void Acknowledge(string idempotencyKey)
        {
            Check(NativeMethods.mp_acknowledge(Handle(), Mp.ToUtf8(idempotencyKey)), "mp_acknowledge");
        }

        /// <summary>
        /// Acknowledges every settled entry of a report of Recover: call it once the POS has
        /// recorded each ticket's verdict. Entries still "pending" are reported again.
        /// InvalidArgument if reportJson is not such a report, or without a journal.
        /// </summary>
        public void AcknowledgeReport(string reportJson)
        {
            Check(NativeMethods.mp_acknowledge_report(Handle(), Mp.ToUtf8(reportJson)), "mp_acknowledge_report");
        }

        /// <summary>
        /// What this journal has unfinished on a terminal, sending nothing:
        /// {"device_id","holds":[entry...]}, entries as in Recover plus "process_running" (a
        /// process still follows it, this one or another). An empty list while the terminal is
        /// busy: what holds it was made elsewhere. InvalidArgument without a journal.
        /// </summary>
        public string DeviceHolds(string deviceId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_device_holds(Handle(), Mp.ToUtf8(deviceId), ref json), "mp_device_holds");
            return Mp.TakeString(json);
        }

        /// <summary>
        /// Frees a terminal safely of what this journal has on it: cancels what is still OPEN,
        /// records what is final, never touches what the terminal has taken.
        /// {"device_id","free","cleared":[entry...],"holding":[entry...]}: free is true when
        /// nothing of this journal holds it any more. InvalidArgument without a journal.
        /// </summary>
        public string DeviceClear(string deviceId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_device_clear(Handle(), Mp.ToUtf8(deviceId), ref json), "mp_device_clear");
            return Mp.TakeString(json);
        }

        /// <summary>Creates a test account for a site ("MLA", "MLB", "MLM"): {"id","nickname","password","site_status","email"}.</summary>
        public string CreateTestUser(string siteId)
        {
            IntPtr json = IntPtr.Zero;
            Check(NativeMethods.mp_create_test_user(Handle(), Mp.ToUtf8(siteId), ref json), "mp_create_test_user");
            return Mp.TakeString(json);
        }

        private MpIntentResult Wait(bool refund, string id, uint timeoutMs, MpWaitProgress progress)
        {
            MpClientHandle client = Handle();
            byte[] idBytes = Mp.ToUtf8(id);
            var bridge = new ProgressBridge(progress);
            MpIntentState finalState = MpIntentState.Unknown;
            IntPtr json = IntPtr.Zero;
            MpStatus status = refund
                ? NativeMethods.mp_wait_refund(client, idBytes, timeoutMs, bridge.Native, IntPtr.Zero, ref finalState, ref json)
                : NativeMethods.mp_wait_intent(client, idBytes, timeoutMs, bridge.Native, IntPtr.Zero, ref finalState, ref json);
            GC.KeepAlive(bridge.Native);
            string function = refund ? "mp_wait_refund" : "mp_wait_intent";
            MpPointException failure = status == MpStatus.Ok || status == MpStatus.WaitTimeout || status == MpStatus.Aborted
                ? null
                : Mp.Failure(status, function);
            string text = Mp.TakeString(json);
            bridge.RethrowIfThrown();
            if (failure != null)
                throw failure;
            return new MpIntentResult(status, finalState, text);
        }

        /// <summary>
        /// An MpWaitProgress as the library's MpWaitCallback (null for none). Never lets an
        /// exception unwind through the library: it stops the call, and RethrowIfThrown throws it
        /// once the library has returned. Keep Native alive (GC.KeepAlive) until then.
        /// </summary>
        private sealed class ProgressBridge
        {
            private readonly MpWaitProgress progress;
            private ExceptionDispatchInfo thrown;

            internal ProgressBridge(MpWaitProgress progress)
            {
                this.progress = progress;
                if (progress != null)
                    Native = Call;
            }

            internal NativeMethods.WaitCallback Native { get; private set; }

            private int Call(IntPtr userData, MpIntentState state, IntPtr json)
            {
                if (thrown != null)
                    return 1;
                try
                {
                    return progress(state, Mp.PeekString(json)) ? 0 : 1;
                }
                catch (Exception e)
                {
                    thrown = ExceptionDispatchInfo.Capture(e);
                    return 1;
                }
            }

            internal void RethrowIfThrown()
            {
                if (thrown != null)
                    thrown.Throw();
            }
        }

        private MpClientHandle Handle()
        {
            Mp.EnsureLibrary();
            if (handle.IsClosed)
                throw new ObjectDisposedException("MpClient");
            return handle;
        }

        private static void Check(MpStatus status, string function)
        {
            if (status != MpStatus.Ok)
                throw Mp.Failure(status, function);
        }
    }

    /// <summary>The native MpClient*: freed with mp_free exactly once, never while a call is using it.</summary>
    internal sealed class MpClientHandle : SafeHandle
    {
        /// <summary>
        /// Every log delegate ever handed to the library, kept until the client is freed: another
        /// thread may still be inside the previous callback when one is replaced. They live here,
        /// not on MpClient, because the marshaler keeps the handle alive during a call even when
        /// nothing references the MpClient any more.
        /// </summary>
        internal readonly System.Collections.Generic.List<NativeMethods.LogCallback> LogCallbacks =
            new System.Collections.Generic.List<NativeMethods.LogCallback>();

        public MpClientHandle(IntPtr client)
            : base(IntPtr.Zero, true)
        {
            SetHandle(client);
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.mp_free(handle);
            return true;
        }
    }

    /// <summary>Calls that need no client, and the binding's string and version plumbing.</summary>
    public static partial class Mp
    {

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private static volatile bool libraryChecked;

        /// <summary>The loaded library's version, e.g. "0.3.0". Not subject to the version check.</summary>
        public static string Version
        {
            get { return PeekString(NativeMethods.mp_version()); }
        }

        /// <summary>The C name of a status, e.g. "MP_STATUS_DEVICE_BUSY"; "MP_STATUS_UNKNOWN" for a number that is none.</summary>
        public static string StatusName(MpStatus status)
        {
            return PeekString(NativeMethods.mp_status_name((uint)status));
        }

        /// <summary>The API's name of a state, e.g. "ON_TERMINAL"; "UNKNOWN" for Unknown and numbers that are no state.</summary>
        public static string IntentStateName(MpIntentState state)
        {
            return PeekString(NativeMethods.mp_intent_state_name((uint)state));
        }

        /// <summary>True for Finished, Canceled, Error, Abandoned and ConfirmationRequired.</summary>
        public static bool IsFinal(MpIntentState state)
        {
            return NativeMethods.mp_intent_state_is_final((uint)state) != 0;
        }

        /// <summary>
        /// Answers the webhook challenge: hex(HMAC-SHA256(secret, challengeCode)). Reply to
        /// GET webhook?challengeCode=X with {"encrypted_challenge":"&lt;result&gt;"}. secret is the
        /// token of MpClient.GetIntegrator, not the access token.
        /// </summary>
        public static string SignChallenge(string secret, string challengeCode)
        {
            EnsureLibrary();
            IntPtr hex = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_sign_challenge(ToUtf8(secret), ToUtf8(challengeCode), ref hex);
            if (status != MpStatus.Ok)
                throw Failure(status, "mp_sign_challenge");
            return TakeString(hex);
        }

        /// <summary>
        /// Checks a notification's x-signature header ("ts=...,v1=...") against the webhook
        /// secret. Returns false, with the library's reason, for a malformed header, a mismatch
        /// or a stale timestamp (also for a missing secret or header). xRequestId, dataId: the
        /// x-request-id header and the data.id query parameter, null if absent. toleranceSeconds:
        /// how old ts may be (0: no time check). nowUnixSeconds: 0 for the system clock.
        /// The signature does not cover the body: read amounts from IntentStatus before acting.
        /// </summary>
        public static bool VerifySignature(string secret, string xSignature, string xRequestId, string dataId,
                                           long toleranceSeconds, long nowUnixSeconds, out string reason)
        {
            EnsureLibrary();
            byte[] secretBytes, signatureBytes, requestIdBytes, dataIdBytes;
            try
            {
                secretBytes = ToUtf8(secret);
                signatureBytes = ToUtf8(xSignature);
                requestIdBytes = ToUtf8(xRequestId);
                dataIdBytes = ToUtf8(dataId);
            }
            catch (MpPointException e)
            {
                // A header with a NUL character is as malformed as any other bad header.
                reason = e.Message;
                return false;
            }
            MpStatus status = NativeMethods.mp_verify_signature(secretBytes, signatureBytes, requestIdBytes, dataIdBytes, toleranceSeconds, nowUnixSeconds);
            if (status == MpStatus.Ok)
            {
                reason = "";
                return true;
            }
            if (status == MpStatus.InvalidArgument)
            {
                reason = PeekString(NativeMethods.mp_last_error());
                return false;
            }
            throw Failure(status, "mp_verify_signature");
        }

        /// <summary>VerifySignature without the reason.</summary>
        public static bool VerifySignature(string secret, string xSignature, string xRequestId, string dataId,
                                           long toleranceSeconds, long nowUnixSeconds = 0)
        {
            string reason;
            return VerifySignature(secret, xSignature, xRequestId, dataId, toleranceSeconds, nowUnixSeconds, out reason);
        }

        /// <summary>
        /// Reads a notification body (either generation, or a refund's) into its state and a
        /// normalised JSON object {"kind","intent_id","state","amount","payment_id",...}.
        /// </summary>
        public static MpIntentResult ParseNotification(string body)
        {
            EnsureLibrary();
            MpIntentState state = MpIntentState.Unknown;
            IntPtr json = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_parse_notification(ToUtf8(body), ref state, ref json);
            if (status != MpStatus.Ok)
                throw Failure(status, "mp_parse_notification");
            return new MpIntentResult(MpStatus.Ok, state, TakeString(json));
        }

        /// <summary>
        /// One value of a JSON text by dot-separated path ("payment.id", "devices.0.id"): strings
        /// unquoted, numbers with every digit kept, objects and arrays as compact JSON.
        /// Throws MpPointException NotFound if the path is absent.
        /// </summary>
        public static string JsonGet(string json, string path)
        {
            EnsureLibrary();
            IntPtr value = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_json_get(ToUtf8(json), ToUtf8(path), ref value);
            if (status != MpStatus.Ok)
                throw Failure(status, "mp_json_get");
            return TakeString(value);
        }

        /// <summary>JsonGet that returns false instead of throwing when the path is absent.</summary>
        public static bool TryJsonGet(string json, string path, out string value)
        {
            EnsureLibrary();
            IntPtr raw = IntPtr.Zero;
            MpStatus status = NativeMethods.mp_json_get(ToUtf8(json), ToUtf8(path), ref raw);
            if (status == MpStatus.NotFound)
            {
                value = null;
                return false;
            }
            if (status != MpStatus.Ok)
                throw Failure(status, "mp_json_get");
            value = TakeString(raw);
            return true;
        }

        /// <summary>A JSON string literal of text (quotes, backslashes and control characters escaped).</summary>
        public static string JsonQuote(string text)
        {
            if (text == null)
                return "null";
            var quoted = new StringBuilder(text.Length + 2);
            quoted.Append('"');
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"': quoted.Append("\\\""); break;
                    case '\\': quoted.Append("\\\\"); break;
                    case '\n': quoted.Append("\\n"); break;
                    case '\r': quoted.Append("\\r"); break;
                    case '\t': quoted.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == 0x7f)
                            quoted.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                        else
                            quoted.Append(c);
                        break;
                }
            }
            return quoted.Append('"').ToString();
        }

        /// <summary>
        /// Checks once that the loaded library has this binding's major version and at least its minor
        /// (IsCompatible), or throws MpLibraryVersionException. Every call except the version and name
        /// helpers goes through it. A missing library throws DllNotFoundException, one of the
        /// wrong bitness BadImageFormatException, both saying what to deploy.
        /// </summary>
        internal static void EnsureLibrary()
        {
            if (libraryChecked)
                return;
            string loaded;
            try
            {
                loaded = Version;
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException(
                    "mppoint: the native library was not found: put mppoint.dll (Windows) or libmppoint.so (Linux) " +
                    "next to the program, or on the system's library path (" + e.Message + ")", e);
            }
            catch (BadImageFormatException e)
            {
                throw new BadImageFormatException(
                    "mppoint: the native library does not match this " + (Environment.Is64BitProcess ? "64" : "32") +
                    "-bit process: ship the mppoint.dll built for the process's bitness (an AnyCPU program with " +
                    "Prefer 32-bit runs as 32-bit)", e);
            }
            if (!IsCompatible(loaded))
            {
                throw new MpLibraryVersionException(loaded, string.Format(
                    System.Globalization.CultureInfo.InvariantCulture,
                    "mppoint: this binding needs native library version {0}.{1} or a later {0}.x, but the loaded mppoint library " +
                    "is version {2}; deploy the mppoint.dll / libmppoint.so that came with MpPoint.cs (or a newer {0}.x)",
                    BindingMajor, BindingMinor, loaded ?? "(none)"));
            }
            libraryChecked = true;
        }

        /// <summary>
        /// True if version ("0.4.0") can serve this binding: the same major and a minor of at least
        /// BindingMinor, compared as numbers ("0.10" is newer than "0.4"). A version that does not
        /// start with two dot-separated numbers is not.
        /// </summary>
        private static bool IsCompatible(string version)
        {
            if (version == null)
                return false;
            string[] parts = version.Split('.');
            int major, minor;
            return parts.Length >= 2
                && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out major)
                && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out minor)
                && major == BindingMajor && minor >= BindingMinor;
        }

        /// <summary>The exception for a failed call; must run right after it, on its thread.</summary>
        internal static MpPointException Failure(MpStatus status, string function)
        {
            string error = PeekString(NativeMethods.mp_last_error());
            int http = NativeMethods.mp_last_http_status();
            string key = PeekString(NativeMethods.mp_last_idempotency_key());
            if (string.IsNullOrEmpty(error))
                error = StatusName(status);
            return new MpPointException(status, http, function + ": " + error, key);
        }

        /// <summary>text as NUL-terminated UTF-8; null stays null (a NULL pointer).</summary>
        internal static byte[] ToUtf8(string text)
        {
            if (text == null)
                return null;
            if (text.IndexOf('\0') >= 0)
                throw new MpPointException(MpStatus.InvalidArgument, 0, "a string argument contains a NUL character, which C strings cannot carry");
            byte[] bytes;
            try
            {
                bytes = StrictUtf8.GetBytes(text);
            }
            catch (EncoderFallbackException)
            {
                throw new MpPointException(MpStatus.InvalidArgument, 0, "a string argument is not valid UTF-16 (a lone surrogate), so it has no UTF-8 form");
            }
            byte[] terminated = new byte[bytes.Length + 1];
            Buffer.BlockCopy(bytes, 0, terminated, 0, bytes.Length);
            return terminated;
        }

        /// <summary>Copies a NUL-terminated UTF-8 string the library still owns (null for NULL).</summary>
        internal static string PeekString(IntPtr text)
        {
            if (text == IntPtr.Zero)
                return null;
            int length = 0;
            while (Marshal.ReadByte(text, length) != 0)
                length++;
            byte[] bytes = new byte[length];
            Marshal.Copy(text, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Copies a string returned through a char** out-parameter and frees it with mp_string_free.</summary>
        internal static string TakeString(IntPtr text)
        {
            if (text == IntPtr.Zero)
                return null;
            try
            {
                return PeekString(text);
            }
            finally
            {
                NativeMethods.mp_string_free(text);
            }
        }
    }
}
