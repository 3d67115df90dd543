{ MpPoint.pas: Delphi and Free Pascal binding of mppoint, the library that takes card payments
  on Mercado Pago Point terminals (C interface: include/point.h, whose comments are the API
  reference).

  Two layers:
  - the raw imports: every export of point.h, declared `cdecl; external` (or, with
    MPPOINT_STDCALL defined on 32-bit Windows, `stdcall` through its `_std` twin), with the
    header's constants. They are in MpPointApi.inc, generated from the library's sources by
    `make generate`; ship it beside this unit. Strings are PAnsiChar in UTF-8; every string returned through a `char **out_*`
    parameter must be released with mp_string_free (never FreeMem/StrDispose).
  - TMpClient and a few functions (MpJsonGet, MpSignChallenge, ...): they take and return
    native strings, convert them to and from UTF-8, free every returned string, and raise
    EMpPointError (with the MpStatus, the HTTP status and the library's error text) when a
    call fails.

  Compiles with Delphi 7 up to current Delphi (string is AnsiString before Delphi 2009,
  UnicodeString from 2009 on) and with Free Pascal 3.2 (in Delphi mode, which the unit
  switches on itself).
  Free Pascal notes: on Unix this unit pulls in cwstring, without which non-ASCII text is
  mangled in UTF-8 <-> UnicodeString conversions; returned strings are tagged with code page
  CP_UTF8, so they keep every character whatever the locale's code page.

  Library file: mppoint.dll on Windows, libmppoint.dylib on macOS, libmppoint.so elsewhere. }
unit MpPoint;

{$IFDEF FPC}
  {$MODE DELPHI}
  {$H+}
{$ENDIF}

interface

uses
{$IFDEF FPC}{$IFDEF UNIX}
  cwstring,
{$ENDIF}{$ENDIF}
  SysUtils;

{ The constants, types and raw imports of point.h: generated from the library's sources by
  `make generate` (cdecl; stdcall `_std` twins with MPPOINT_STDCALL defined). }
{$I MpPointApi.inc}

{ ---- Object layer ---- }

type
  { A call that failed. Status is the MpStatus (MP_STATUS_DEVICE_BUSY, ...), HttpStatus the
    HTTP status of the last answer (0 if none), LastError the library's English text,
    IdempotencyKey the key a create sent ('' for other calls). After
    MP_STATUS_OUTCOME_UNKNOWN the intent or refund may exist: send the same create again with
    IdempotencyKey (never a new key). }
  EMpPointError = class(Exception)
  private
    FStatus: TMpStatus;
    FHttpStatus: Integer;
    FLastError: string;
    FFunctionName: string;
    FIdempotencyKey: string;
  public
    constructor CreateStatus(const AFunctionName: string; AStatus: TMpStatus;
      AHttpStatus: Integer; const ALastError: string; const AIdempotencyKey: string = '');
    property Status: TMpStatus read FStatus;
    property HttpStatus: Integer read FHttpStatus;
    property LastError: string read FLastError;
    property IdempotencyKey: string read FIdempotencyKey;
    { The C function that failed, e.g. 'mp_create_intent_simple'. }
    property FunctionName: string read FFunctionName;
  end;

  { The loaded library cannot serve this unit: another major version, or an older minor than
    this unit's (a newer minor only adds to the interface and is accepted). }
  EMpPointVersionError = class(Exception);

  TMpClient = class;

  { Progress of WaitIntent/WaitRefund, called on the waiting thread after every read with the
    state and the intent's JSON ('' before the first successful read). Set Stop to True to
    stop waiting (WaitIntent then returns MP_STATUS_ABORTED). An exception raised here stops
    the wait and is re-raised by WaitIntent. }
  TMpWaitEvent = procedure(Sender: TMpClient; State: TMpIntentState;
    const IntentJson: string; var Stop: Boolean) of object;

  { A log line of the library (never the access token). Called on the thread that made the
    request, during a call of this client. Exceptions raised here are swallowed. }
  TMpLogEvent = procedure(Sender: TMpClient; Level: TMpLogLevel;
    const Msg: string) of object;

  { One client: an access token, its options and a pool of connections. Thread-safe like
    the C client (but set OnLog before sharing it). Free it with Free. }
  TMpClient = class(TObject)
  private
    FHandle: PMpClient;
    FOnLog: TMpLogEvent;
    FLogLevel: TMpLogLevel;
    function DoWait(IsRefund: Boolean; const Id: string; TimeoutMs: Cardinal;
      OnProgress: TMpWaitEvent; out State: TMpIntentState; out IntentJson: string): TMpStatus;
    function DeviceCall(Clear: Boolean; const DeviceId: string): string;
  public
    { A client for the production service with default options. }
    constructor Create(const AccessToken: string);
    (* A client from a JSON object of options, e.g.
       '{"access_token":"TEST-...","base_url":"http://127.0.0.1:8080","poll_interval_ms":50}'.
       See mp_init_with_options in point.h for the keys. *)
    constructor CreateWithOptions(const OptionsJson: string);
    destructor Destroy; override;

    (* Terminals: '{"devices":[{"id",...}],"paging":{...}}'. FiltersJson '' for all. *)
    function ListDevices(const FiltersJson: string = ''): string;
    function SetOperatingMode(const DeviceId, Mode: string): string;
    function GetIntegrator: string;
    procedure SetWebhook(const Url: string);
    procedure CheckWebhook;
    { Sends log lines at MinLevel and more severe to Event; nil turns logging off. }
    procedure SetLogCallback(Event: TMpLogEvent; MinLevel: TMpLogLevel = MP_LOG_LEVEL_INFO);

    { The created intent's JSON. IdempotencyKey '' for a new one. }
    function CreateIntent(const DeviceId, IntentJson: string;
      const IdempotencyKey: string = ''): string;
    { The new intent's id. Amount in minor units (1500 = 15.00); ExternalReference '' for
      none (it is the ticket that groups a sale's attempts in Recover's report).
      IdempotencyKey '' for a new one (mp_create_intent_simple), or your own
      (mp_create_intent_keyed): 1-128 visible ASCII characters (at most 64 with the Orders
      API), e.g. 'T-1001-1'. Store it with the ticket before the call; after
      MP_STATUS_OUTCOME_UNKNOWN (or a crash) call this again with the same arguments and key:
      it returns the intent the service made for it, or makes it once. }
    function CreateIntentSimple(const DeviceId: string; Amount: Int64;
      const ExternalReference: string = ''; PrintOnTerminal: Boolean = True;
      const IdempotencyKey: string = ''): string;
    { One read: the intent's JSON; State receives its state. }
    function IntentStatus(const IntentId: string; out State: TMpIntentState): string; overload;
    function IntentStatus(const IntentId: string): string; overload;
    function CancelIntent(const DeviceId, IntentId: string): string;
    { Waits for a final state. Returns MP_STATUS_OK (State is final), MP_STATUS_WAIT_TIMEOUT
      or MP_STATUS_ABORTED (State and IntentJson hold the last read, IntentJson '' if none);
      raises EMpPointError for any other status. OnProgress may be nil. }
    function WaitIntent(const IntentId: string; TimeoutMs: Cardinal; OnProgress: TMpWaitEvent;
      out State: TMpIntentState; out IntentJson: string): TMpStatus;
    function IntentLastEvent(const IntentId: string): string;
    { Dates 'YYYY-MM-DD', inclusive, at most 30 days apart. }
    function ListIntentEvents(const StartDate, EndDate: string): string;

    { Refunds: RefundJson '' for none, or the refund's additional_info object. }
    function CreateRefund(const DeviceId, PaymentId: string; const RefundJson: string = '';
      const IdempotencyKey: string = ''): string;
    { A refund from plain values (mp_create_refund_keyed); returns the refund's id, to follow
      with WaitRefund. PaymentId: the payment's number with the Point Integration API, the
      sale's order id (ORD...) with the Orders API. Amount 0 refunds the whole payment (with
      the Orders API, what is left of it); more, that many minor units (a partial refund:
      Orders API only, else MP_STATUS_UNSUPPORTED and nothing is sent). IdempotencyKey '' for
      a new one, or your own as in CreateIntentSimple. }
    function CreateRefundKeyed(const DeviceId, PaymentId: string; Amount: Int64 = 0;
      const IdempotencyKey: string = ''): string;
    function RefundStatus(const RefundId: string; out State: TMpIntentState): string;
    { As WaitIntent, for a refund intent. }
    function WaitRefund(const RefundId: string; TimeoutMs: Cardinal; OnProgress: TMpWaitEvent;
      out State: TMpIntentState; out RefundJson: string): TMpStatus;
    function CancelRefund(const DeviceId, RefundId: string): string;

    { The payment (Payments API) for a receipt; amounts are decimals: read them as text. }
    function GetPayment(const PaymentId: string): string;
    function CreateTestUser(const SiteId: string): string;

    (* After a crash (needs "journal_path" in the options): settles every sale and refund of
      the journal whose process has ended, waiting up to TimeoutMs in all for those still on
      a terminal; call it at start-up, before new sales. Returns
      {"sales":[entry...],"tickets":[{"ticket","verdict","payment_id","payment_ids",
      "entries":[entry...]}]}. Act per ticket (the sale's external reference): "verdict" is
      "paid" (payment_id; never sell it again), "not_paid" (it may be sold again), "pending"
      (call again later), "paid_twice" (payment_ids: refund all but one), "refunded" or
      "check_terminal" (look at the terminal). An entry: "idempotency_key", "intent_id",
      "kind", "device_id", "amount", "external_reference", "ticket", "payment_id", "state",
      "payment", "acknowledged", "created_at_ms" and "resolution": "finished" (read state and
      payment), "canceled" (it was still OPEN: the sale is void), "never_created", "refused"
      (the service refused the create) or "pending" ("sales" keeps 0.3's words: a refused
      create is "never_created" there, with "refused": true). Twice gives the same answer, until
      AcknowledgeReport. EMpPointError with MP_STATUS_INVALID_ARGUMENT on a client without a
      journal. *)
    function Recover(TimeoutMs: Cardinal): string; overload;
    { Recover with progress (mp_recover_with_progress), on the calling thread: OnProgress runs
      before each unfinished entry is settled (its journaled state and its entry's JSON) and
      after every read while recovery waits for a sale on a terminal (the sale's JSON). Stop
      := True stops recovery: nothing more is sent, what is not settled yet is reported
      "pending", and the report is returned. An exception raised in OnProgress stops it and
      comes out of Recover. OnProgress may be nil. }
    function Recover(TimeoutMs: Cardinal; OnProgress: TMpWaitEvent): string; overload;
    { The POS has recorded the outcome of one journal entry (by its idempotency key): Recover
      no longer reports it. MP_STATUS_NOT_FOUND for a key the journal lacks;
      MP_STATUS_INVALID_ARGUMENT for an entry not settled yet, or without a journal. }
    procedure Acknowledge(const IdempotencyKey: string);
    { Acknowledges every settled entry of a report of Recover, once the POS has recorded each
      ticket's verdict; entries still "pending" are reported again. }
    procedure AcknowledgeReport(const ReportJson: string);
    (* What this journal has unfinished on a terminal, sending nothing:
      {"device_id","holds":[entry...]}, entries as in Recover plus "process_running" (a
      process still follows it, this one or another). *)
    function DeviceHolds(const DeviceId: string): string;
    (* Frees a terminal safely of what this journal has on it: cancels what is still OPEN,
      records what is final, never touches what the terminal has taken.
      {"device_id","free","cleared":[entry...],"holding":[entry...]}: "free" is true when
      nothing of this journal holds it any more. *)
    function DeviceClear(const DeviceId: string): string;

    { The MpClient* for the raw imports; owned by this object. }
    property Handle: PMpClient read FHandle;
  end;

{ Helpers that need no client. }

{ mp_version() of the loaded library, e.g. '0.4.0'. }
function MpVersion: string;
{ True if a library of Version ('0.4.0') can serve this unit: the major version this unit was
  written for (MP_VERSION_MAJOR of MpPointApi.inc) and a minor of at least its
  MP_VERSION_MINOR, compared as numbers. A minor version only adds to the interface, so
  '0.5.0' serves a 0.4 unit; '0.3.0' (which may lack functions the unit calls) and '1.0.0' do
  not, nor does anything that is not major.minor[.patch][-pre][+build]. }
function MpVersionCompatible(const Version: string): Boolean;
{ Raises EMpPointVersionError unless the loaded library is compatible (MpVersionCompatible):
  version MP_VERSION_MAJOR.y with y >= MP_VERSION_MINOR. TMpClient's constructors and the
  helpers below call it; it checks once. }
procedure MpCheckVersion;
function MpStatusName(Status: TMpStatus): string;
function MpIntentStateName(State: TMpIntentState): string;
function MpIntentStateIsFinal(State: TMpIntentState): Boolean;
{ One value out of a JSON text (path 'payment.id', 'devices.0.id'); strings unquoted, numbers
  with every digit. Raises EMpPointError (MP_STATUS_NOT_FOUND) if the path is absent. }
function MpJsonGet(const Json, Path: string): string;
{ As MpJsonGet, but False when the path is absent. }
function MpJsonTryGet(const Json, Path: string; out Value: string): Boolean;
{ hex(HMAC-SHA256(Secret, ChallengeCode)): the webhook challenge's answer. }
function MpSignChallenge(const Secret, ChallengeCode: string): string;
{ True if the x-signature header matches and is fresh; False (Reason says why) if not.
  XRequestId and DataId '' when absent; ToleranceS 0 for no time check; NowUnixS 0 for the
  system clock. }
function MpVerifySignature(const Secret, XSignature, XRequestId, DataId: string;
  ToleranceS: Int64; NowUnixS: Int64; out Reason: string): Boolean; overload;
function MpVerifySignature(const Secret, XSignature, XRequestId, DataId: string;
  ToleranceS: Int64 = 300; NowUnixS: Int64 = 0): Boolean; overload;
{ The normalised notification JSON; State receives the intent's or refund's state. }
function MpParseNotification(const Body: string; out State: TMpIntentState): string;
{ S as a JSON string literal (quotes, backslashes and control characters escaped), for
  building options and bodies: '"C:\\POS\\journal.db"' from 'C:\POS\journal.db'. The same
  JSON as the library's mp_json_quote, but written here: S's other characters are kept as they
  are (in Free Pascal, in S's code page), so the result joins other text without a conversion,
  and a #0 becomes \u0000. }
function MpJsonQuote(const S: string): string;

{ String conversions used by this unit, for code that calls the raw imports. }
function MpToUtf8(const S: string): UTF8String;
{ Copies a UTF-8 C string (nil gives ''); does not free it. }
function MpFromUtf8(P: PAnsiChar): string;
{ Copies and frees (mp_string_free) a string returned through a char ** parameter. }
function MpTakeString(P: PAnsiChar): string;

implementation

{ ---- Strings ---- }

function MpToUtf8(const S: string): UTF8String;
begin
{$IFDEF FPC}
  { An AnsiString carries its code page: convert from it (no conversion if already UTF-8). }
  Result := UTF8String(S);
{$ELSE}
  {$IFDEF UNICODE}
  Result := UTF8Encode(S);
  {$ELSE}
  Result := UTF8Encode(WideString(S));
  {$ENDIF}
{$ENDIF}
end;

{ strlen, here so that no SysUtils/AnsiStrings overload (deprecated in some versions) is
  needed. }
function CStrLen(P: PAnsiChar): Integer;
begin
  Result := 0;
  if P <> nil then
    while P[Result] <> #0 do
      Inc(Result);
end;

function MpFromUtf8(P: PAnsiChar): string;
{$IFDEF FPC}
var
  N: Integer;
  R: RawByteString;
begin
  Result := '';
  N := CStrLen(P);
  if N = 0 then
    Exit;
  R := '';
  SetLength(R, N);
  Move(P^, R[1], N);
  { Tag the bytes as UTF-8 instead of converting them to the locale's code page, which may
    not hold every character (LANG=C). FPC converts when the string meets another code page. }
  SetCodePage(R, CP_UTF8, False);
  Result := R;
end;
{$ELSE}
var
  U: UTF8String;
begin
  Result := '';
  if CStrLen(P) = 0 then
    Exit;
  { SetString copies the bytes as they are (no code page conversion). }
  SetString(U, P, CStrLen(P));
  {$IFDEF UNICODE}
  Result := UTF8ToString(U);
  {$ELSE}
  Result := Utf8ToAnsi(U);
  {$ENDIF}
end;
{$ENDIF}

function MpTakeString(P: PAnsiChar): string;
begin
  try
    Result := MpFromUtf8(P);
  finally
    mp_string_free(P);
  end;
end;

{ The pointer to pass for an optional argument: nil for ''. U must outlive the call. }
function OptUtf8(const U: UTF8String): PAnsiChar;
begin
  if Length(U) = 0 then
    Result := nil
  else
    Result := PAnsiChar(U);
end;

{ ---- Errors ---- }

constructor EMpPointError.CreateStatus(const AFunctionName: string; AStatus: TMpStatus;
  AHttpStatus: Integer; const ALastError: string; const AIdempotencyKey: string = '');
var
  Msg: string;
begin
  Msg := AFunctionName + ': ' + MpFromUtf8(mp_status_name(AStatus));
  if AHttpStatus <> 0 then
    Msg := Msg + ' (HTTP ' + IntToStr(AHttpStatus) + ')';
  if ALastError <> '' then
    Msg := Msg + ': ' + ALastError;
  inherited Create(Msg);
  FStatus := AStatus;
  FHttpStatus := AHttpStatus;
  FLastError := ALastError;
  FFunctionName := AFunctionName;
  FIdempotencyKey := AIdempotencyKey;
end;

{ Must run right after the failing call: the per-thread error is replaced by the next one. }
procedure RaiseStatus(const FunctionName: string; Status: TMpStatus);
var
  Http: Integer;
  Text, Key: string;
begin
  Http := mp_last_http_status;
  Text := MpFromUtf8(mp_last_error);
  Key := MpFromUtf8(mp_last_idempotency_key);
  raise EMpPointError.CreateStatus(FunctionName, Status, Http, Text, Key);
end;

procedure Check(Status: TMpStatus; const FunctionName: string);
begin
  if Status <> MP_STATUS_OK then
    RaiseStatus(FunctionName, Status);
end;

{ ---- Version guard ---- }

var
  VersionChecked: Boolean = False;

function MpVersion: string;
begin
  Result := MpFromUtf8(mp_version);
end;

{ Reads a decimal number at S[I..]; False if there is none. }
function ReadNumber(const S: string; var I: Integer; out N: Integer): Boolean;
var
  Start: Integer;
begin
  Start := I;
  N := 0;
  while (I <= Length(S)) and (S[I] >= '0') and (S[I] <= '9') and (I - Start < 9) do
  begin
    N := N * 10 + (Ord(S[I]) - Ord('0'));
    Inc(I);
  end;
  Result := I > Start;
end;

function MpVersionCompatible(const Version: string): Boolean;
var
  I, Major, Minor: Integer;
begin
  Result := False;
  I := 1;
  if not ReadNumber(Version, I, Major) then
    Exit;
  if (I > Length(Version)) or (Version[I] <> '.') then
    Exit;
  Inc(I);
  if not ReadNumber(Version, I, Minor) then
    Exit;
  { After major.minor: the end, or '.patch' / '-pre' / '+build'. }
  if (I <= Length(Version)) and (Version[I] <> '.') and (Version[I] <> '-') and
    (Version[I] <> '+') then
    Exit;
  Result := (Major = MP_VERSION_MAJOR) and (Minor >= MP_VERSION_MINOR);
end;

procedure MpCheckVersion;
var
  Loaded: string;
begin
  if VersionChecked then
    Exit;
  Loaded := MpVersion;
  if not MpVersionCompatible(Loaded) then
    raise EMpPointVersionError.Create('MpPoint.pas was written for mppoint ' +
      IntToStr(MP_VERSION_MAJOR) + '.' + IntToStr(MP_VERSION_MINOR) + ' and needs it or a later ' +
      IntToStr(MP_VERSION_MAJOR) + '.x, but the loaded ' + MpPointLib + ' is version ' + Loaded +
      ': deploy the library that came with this unit, or a newer ' + IntToStr(MP_VERSION_MAJOR) +
      '.x');
  VersionChecked := True;
end;

{ ---- Helpers without a client ---- }

function MpStatusName(Status: TMpStatus): string;
begin
  Result := MpFromUtf8(mp_status_name(Status));
end;

function MpIntentStateName(State: TMpIntentState): string;
begin
  Result := MpFromUtf8(mp_intent_state_name(State));
end;

function MpIntentStateIsFinal(State: TMpIntentState): Boolean;
begin
  Result := mp_intent_state_is_final(State) <> 0;
end;

function MpJsonTryGet(const Json, Path: string; out Value: string): Boolean;
var
  UJson, UPath: UTF8String;
  P: PAnsiChar;
  Status: TMpStatus;
begin
  MpCheckVersion;
  UJson := MpToUtf8(Json);
  UPath := MpToUtf8(Path);
  P := nil;
  Status := mp_json_get(PAnsiChar(UJson), PAnsiChar(UPath), @P);
  Value := '';
  Result := Status = MP_STATUS_OK;
  if Status = MP_STATUS_OK then
    Value := MpTakeString(P)
  else if Status <> MP_STATUS_NOT_FOUND then
    RaiseStatus('mp_json_get', Status);
end;

function MpJsonGet(const Json, Path: string): string;
var
  UJson, UPath: UTF8String;
  P: PAnsiChar;
begin
  MpCheckVersion;
  UJson := MpToUtf8(Json);
  UPath := MpToUtf8(Path);
  P := nil;
  Check(mp_json_get(PAnsiChar(UJson), PAnsiChar(UPath), @P), 'mp_json_get');
  Result := MpTakeString(P);
end;

function MpSignChallenge(const Secret, ChallengeCode: string): string;
var
  USecret, UCode: UTF8String;
  P: PAnsiChar;
begin
  MpCheckVersion;
  USecret := MpToUtf8(Secret);
  UCode := MpToUtf8(ChallengeCode);
  P := nil;
  Check(mp_sign_challenge(PAnsiChar(USecret), PAnsiChar(UCode), @P), 'mp_sign_challenge');
  Result := MpTakeString(P);
end;

function MpVerifySignature(const Secret, XSignature, XRequestId, DataId: string;
  ToleranceS: Int64; NowUnixS: Int64; out Reason: string): Boolean;
var
  USecret, USig, URid, UData: UTF8String;
  Status: TMpStatus;
begin
  MpCheckVersion;
  USecret := MpToUtf8(Secret);
  USig := MpToUtf8(XSignature);
  URid := MpToUtf8(XRequestId);
  UData := MpToUtf8(DataId);
  Status := mp_verify_signature(PAnsiChar(USecret), PAnsiChar(USig), OptUtf8(URid),
    OptUtf8(UData), ToleranceS, NowUnixS);
  Result := Status = MP_STATUS_OK;
  if Result then
    Reason := ''
  else if Status = MP_STATUS_INVALID_ARGUMENT then
    Reason := MpFromUtf8(mp_last_error)
  else
    RaiseStatus('mp_verify_signature', Status);
end;

function MpVerifySignature(const Secret, XSignature, XRequestId, DataId: string;
  ToleranceS: Int64; NowUnixS: Int64): Boolean;
var
  Reason: string;
begin
  Result := MpVerifySignature(Secret, XSignature, XRequestId, DataId, ToleranceS, NowUnixS,
    Reason);
end;

function MpParseNotification(const Body: string; out State: TMpIntentState): string;
var
  UBody: UTF8String;
  P: PAnsiChar;
  S: TMpIntentState;
begin
  MpCheckVersion;
  UBody := MpToUtf8(Body);
  P := nil;
  S := MP_INTENT_STATE_UNKNOWN;
  Check(mp_parse_notification(PAnsiChar(UBody), @S, @P), 'mp_parse_notification');
  State := S;
  Result := MpTakeString(P);
end;

function MpJsonQuote(const S: string): string;
const
  Hex: array[0..15] of Char = ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
    'c', 'd', 'e', 'f');
var
  I: Integer;
begin
  Result := '"';
  for I := 1 to Length(S) do
    case S[I] of
      '"': Result := Result + '\"';
      '\': Result := Result + '\\';
      #10: Result := Result + '\n';
      #13: Result := Result + '\r';
      #9: Result := Result + '\t';
      #0..#8, #11, #12, #14..#31, #127:
        Result := Result + '\u00' + Hex[Ord(S[I]) shr 4] + Hex[Ord(S[I]) and 15];
    else
      Result := Result + S[I];
    end;
  Result := Result + '"';
end;

{ ---- Callbacks ---- }

type
  { What a wait passes to the C callback as user_data. }
  PMpWaitContext = ^TMpWaitContext;
  TMpWaitContext = record
    Client: TMpClient;
    OnProgress: TMpWaitEvent;
    Raised: TObject; { an exception of OnProgress, re-raised after the C call }
  end;

{ No exception may cross the C frames of the library: catch it, stop the wait, keep it. }
function WaitTrampoline(UserData: Pointer; State: TMpIntentState;
  IntentJson: PAnsiChar): Integer; {$IFDEF MPPOINT_STDCALL}stdcall{$ELSE}cdecl{$ENDIF};
var
  Ctx: PMpWaitContext;
  Stop: Boolean;
begin
  Result := 0;
  Ctx := PMpWaitContext(UserData);
  if (Ctx = nil) or (Ctx^.Raised <> nil) then
  begin
    Result := 1;
    Exit;
  end;
  Stop := False;
  try
    Ctx^.OnProgress(Ctx^.Client, State, MpFromUtf8(IntentJson), Stop);
  except
    { AcquireExceptionObject is a Pointer in Delphi, a TObject in Free Pascal. }
    Ctx^.Raised := TObject(AcquireExceptionObject);
    Stop := True;
  end;
  if Stop then
    Result := 1;
end;

procedure LogTrampoline(UserData: Pointer; Level: TMpLogLevel; Msg: PAnsiChar);
  {$IFDEF MPPOINT_STDCALL}stdcall{$ELSE}cdecl{$ENDIF};
var
  Client: TMpClient;
begin
  Client := TMpClient(UserData);
  try
    if (Client <> nil) and Assigned(Client.FOnLog) then
      Client.FOnLog(Client, Level, MpFromUtf8(Msg));
  except
    { A log line is not worth unwinding through the library. }
  end;
end;

{ ---- TMpClient ---- }

constructor TMpClient.Create(const AccessToken: string);
var
  UToken: UTF8String;
  H: PMpClient;
begin
  inherited Create;
  MpCheckVersion;
  UToken := MpToUtf8(AccessToken);
  H := nil;
  Check(mp_init(PAnsiChar(UToken), @H), 'mp_init');
  FHandle := H;
end;

constructor TMpClient.CreateWithOptions(const OptionsJson: string);
var
  UOptions: UTF8String;
  H: PMpClient;
begin
  inherited Create;
  MpCheckVersion;
  UOptions := MpToUtf8(OptionsJson);
  H := nil;
  Check(mp_init_with_options(PAnsiChar(UOptions), @H), 'mp_init_with_options');
  FHandle := H;
end;

{ Also runs when a constructor raised: FHandle is then nil, and mp_free(nil) is fine. }
destructor TMpClient.Destroy;
begin
  if FHandle <> nil then
  begin
    mp_free(FHandle);
    FHandle := nil;
  end;
  inherited Destroy;
end;

function TMpClient.ListDevices(const FiltersJson: string): string;
var
  UFilters: UTF8String;
  P: PAnsiChar;
begin
  UFilters := MpToUtf8(FiltersJson);
  P := nil;
  Check(mp_list_devices(FHandle, OptUtf8(UFilters), @P), 'mp_list_devices');
  Result := MpTakeString(P);
end;

function TMpClient.SetOperatingMode(const DeviceId, Mode: string): string;
var
  UDevice, UMode: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  UMode := MpToUtf8(Mode);
  P := nil;
  Check(mp_set_operating_mode(FHandle, PAnsiChar(UDevice), PAnsiChar(UMode), @P),
    'mp_set_operating_mode');
  Result := MpTakeString(P);
end;

function TMpClient.GetIntegrator: string;
var
  P: PAnsiChar;
begin
  P := nil;
  Check(mp_get_integrator(FHandle, @P), 'mp_get_integrator');
  Result := MpTakeString(P);
end;

procedure TMpClient.SetWebhook(const Url: string);
var
  UUrl: UTF8String;
begin
  UUrl := MpToUtf8(Url);
  Check(mp_set_webhook(FHandle, PAnsiChar(UUrl)), 'mp_set_webhook');
end;

procedure TMpClient.CheckWebhook;
begin
  Check(mp_check_webhook(FHandle), 'mp_check_webhook');
end;

procedure TMpClient.SetLogCallback(Event: TMpLogEvent; MinLevel: TMpLogLevel);
var
  Previous: TMpLogEvent;
  Error: string;
begin
  Previous := FOnLog;
  if Assigned(Event) then
  begin
    { Install the event first: the library may call it as soon as the callback is set. }
    FOnLog := Event;
    mp_set_log_callback(FHandle, LogTrampoline, Self, MinLevel);
  end
  else
    mp_set_log_callback(FHandle, nil, nil, MP_LOG_LEVEL_ERROR);
  { mp_set_log_callback returns nothing: a refused call (a level outside 1..4) leaves the
    logging as it was and sets mp_last_error; success clears it. }
  Error := MpFromUtf8(mp_last_error);
  if Error <> '' then
  begin
    FOnLog := Previous;
    raise EMpPointError.CreateStatus('mp_set_log_callback', MP_STATUS_INVALID_ARGUMENT, 0,
      Error);
  end;
  if not Assigned(Event) then
    FOnLog := nil;
  FLogLevel := MinLevel;
end;

function TMpClient.CreateIntent(const DeviceId, IntentJson: string;
  const IdempotencyKey: string): string;
var
  UDevice, UIntent, UKey: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  UIntent := MpToUtf8(IntentJson);
  UKey := MpToUtf8(IdempotencyKey);
  P := nil;
  Check(mp_create_intent(FHandle, PAnsiChar(UDevice), PAnsiChar(UIntent), OptUtf8(UKey), @P),
    'mp_create_intent');
  Result := MpTakeString(P);
end;

function TMpClient.CreateIntentSimple(const DeviceId: string; Amount: Int64;
  const ExternalReference: string; PrintOnTerminal: Boolean;
  const IdempotencyKey: string): string;
var
  UDevice, URef, UKey: UTF8String;
  P: PAnsiChar;
  Print: Integer;
begin
  UDevice := MpToUtf8(DeviceId);
  URef := MpToUtf8(ExternalReference);
  UKey := MpToUtf8(IdempotencyKey);
  if PrintOnTerminal then
    Print := 1
  else
    Print := 0;
  P := nil;
  if IdempotencyKey = '' then
    Check(mp_create_intent_simple(FHandle, PAnsiChar(UDevice), Amount, OptUtf8(URef), Print,
      @P), 'mp_create_intent_simple')
  else
    Check(mp_create_intent_keyed(FHandle, PAnsiChar(UDevice), Amount, OptUtf8(URef), Print,
      PAnsiChar(UKey), @P), 'mp_create_intent_keyed');
  Result := MpTakeString(P);
end;

function TMpClient.IntentStatus(const IntentId: string; out State: TMpIntentState): string;
var
  UId: UTF8String;
  P: PAnsiChar;
  S: TMpIntentState;
begin
  UId := MpToUtf8(IntentId);
  P := nil;
  S := MP_INTENT_STATE_UNKNOWN;
  Check(mp_intent_status(FHandle, PAnsiChar(UId), @S, @P), 'mp_intent_status');
  State := S;
  Result := MpTakeString(P);
end;

function TMpClient.IntentStatus(const IntentId: string): string;
var
  State: TMpIntentState;
begin
  Result := IntentStatus(IntentId, State);
end;

function TMpClient.CancelIntent(const DeviceId, IntentId: string): string;
var
  UDevice, UId: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  UId := MpToUtf8(IntentId);
  P := nil;
  Check(mp_cancel_intent(FHandle, PAnsiChar(UDevice), PAnsiChar(UId), @P), 'mp_cancel_intent');
  Result := MpTakeString(P);
end;

function TMpClient.DoWait(IsRefund: Boolean; const Id: string; TimeoutMs: Cardinal;
  OnProgress: TMpWaitEvent; out State: TMpIntentState; out IntentJson: string): TMpStatus;
var
  UId: UTF8String;
  P: PAnsiChar;
  S: TMpIntentState;
  Ctx: TMpWaitContext;
  Callback: TMpWaitCallback;
  UserData: Pointer;
  Name: string;
begin
  UId := MpToUtf8(Id);
  P := nil;
  S := MP_INTENT_STATE_UNKNOWN;
  Ctx.Client := Self;
  Ctx.OnProgress := OnProgress;
  Ctx.Raised := nil;
  if Assigned(OnProgress) then
  begin
    Callback := WaitTrampoline;
    UserData := @Ctx;
  end
  else
  begin
    Callback := nil;
    UserData := nil;
  end;
  if IsRefund then
  begin
    Name := 'mp_wait_refund';
    Result := mp_wait_refund(FHandle, PAnsiChar(UId), TimeoutMs, Callback, UserData, @S, @P);
  end
  else
  begin
    Name := 'mp_wait_intent';
    Result := mp_wait_intent(FHandle, PAnsiChar(UId), TimeoutMs, Callback, UserData, @S, @P);
  end;
  if (Result = MP_STATUS_OK) or (Result = MP_STATUS_WAIT_TIMEOUT) or
    (Result = MP_STATUS_ABORTED) then
  begin
    State := S;
    IntentJson := MpTakeString(P);
  end
  else
  begin
    State := MP_INTENT_STATE_UNKNOWN;
    IntentJson := '';
  end;
  if Ctx.Raised <> nil then
    raise Ctx.Raised;
  if (Result <> MP_STATUS_OK) and (Result <> MP_STATUS_WAIT_TIMEOUT) and
    (Result <> MP_STATUS_ABORTED) then
    RaiseStatus(Name, Result);
end;

function TMpClient.WaitIntent(const IntentId: string; TimeoutMs: Cardinal;
  OnProgress: TMpWaitEvent; out State: TMpIntentState; out IntentJson: string): TMpStatus;
begin
  Result := DoWait(False, IntentId, TimeoutMs, OnProgress, State, IntentJson);
end;

function TMpClient.IntentLastEvent(const IntentId: string): string;
var
  UId: UTF8String;
  P: PAnsiChar;
begin
  UId := MpToUtf8(IntentId);
  P := nil;
  Check(mp_intent_last_event(FHandle, PAnsiChar(UId), @P), 'mp_intent_last_event');
  Result := MpTakeString(P);
end;

function TMpClient.ListIntentEvents(const StartDate, EndDate: string): string;
var
  UStart, UEnd: UTF8String;
  P: PAnsiChar;
begin
  UStart := MpToUtf8(StartDate);
  UEnd := MpToUtf8(EndDate);
  P := nil;
  Check(mp_list_intent_events(FHandle, PAnsiChar(UStart), PAnsiChar(UEnd), @P),
    'mp_list_intent_events');
  Result := MpTakeString(P);
end;

function TMpClient.CreateRefund(const DeviceId, PaymentId, RefundJson,
  IdempotencyKey: string): string;
var
  UDevice, UPayment, URefund, UKey: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  UPayment := MpToUtf8(PaymentId);
  URefund := MpToUtf8(RefundJson);
  UKey := MpToUtf8(IdempotencyKey);
  P := nil;
  Check(mp_create_refund(FHandle, PAnsiChar(UDevice), PAnsiChar(UPayment), OptUtf8(URefund),
    OptUtf8(UKey), @P), 'mp_create_refund');
  Result := MpTakeString(P);
end;

function TMpClient.CreateRefundKeyed(const DeviceId, PaymentId: string; Amount: Int64;
  const IdempotencyKey: string): string;
var
  UDevice, UPayment, UKey: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  UPayment := MpToUtf8(PaymentId);
  UKey := MpToUtf8(IdempotencyKey);
  P := nil;
  Check(mp_create_refund_keyed(FHandle, PAnsiChar(UDevice), PAnsiChar(UPayment), Amount,
    OptUtf8(UKey), @P), 'mp_create_refund_keyed');
  Result := MpTakeString(P);
end;

function TMpClient.RefundStatus(const RefundId: string; out State: TMpIntentState): string;
var
  UId: UTF8String;
  P: PAnsiChar;
  S: TMpIntentState;
begin
  UId := MpToUtf8(RefundId);
  P := nil;
  S := MP_INTENT_STATE_UNKNOWN;
  Check(mp_refund_status(FHandle, PAnsiChar(UId), @S, @P), 'mp_refund_status');
  State := S;
  Result := MpTakeString(P);
end;

function TMpClient.WaitRefund(const RefundId: string; TimeoutMs: Cardinal;
  OnProgress: TMpWaitEvent; out State: TMpIntentState; out RefundJson: string): TMpStatus;
begin
  Result := DoWait(True, RefundId, TimeoutMs, OnProgress, State, RefundJson);
end;

function TMpClient.CancelRefund(const DeviceId, RefundId: string): string;
var
  UDevice, UId: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  UId := MpToUtf8(RefundId);
  P := nil;
  Check(mp_cancel_refund(FHandle, PAnsiChar(UDevice), PAnsiChar(UId), @P), 'mp_cancel_refund');
  Result := MpTakeString(P);
end;

function TMpClient.GetPayment(const PaymentId: string): string;
var
  UId: UTF8String;
  P: PAnsiChar;
begin
  UId := MpToUtf8(PaymentId);
  P := nil;
  Check(mp_get_payment(FHandle, PAnsiChar(UId), @P), 'mp_get_payment');
  Result := MpTakeString(P);
end;

function TMpClient.Recover(TimeoutMs: Cardinal): string;
var
  P: PAnsiChar;
begin
  P := nil;
  Check(mp_recover(FHandle, TimeoutMs, @P), 'mp_recover');
  Result := MpTakeString(P);
end;

function TMpClient.Recover(TimeoutMs: Cardinal; OnProgress: TMpWaitEvent): string;
var
  P: PAnsiChar;
  Status: TMpStatus;
  Ctx: TMpWaitContext;
  Callback: TMpWaitCallback;
  UserData: Pointer;
begin
  P := nil;
  Ctx.Client := Self;
  Ctx.OnProgress := OnProgress;
  Ctx.Raised := nil;
  if Assigned(OnProgress) then
  begin
    Callback := WaitTrampoline;
    UserData := @Ctx;
  end
  else
  begin
    Callback := nil;
    UserData := nil;
  end;
  Status := mp_recover_with_progress(FHandle, TimeoutMs, Callback, UserData, @P);
  { Taken first, so the report is freed whatever is raised below. }
  Result := MpTakeString(P);
  if Ctx.Raised <> nil then
    raise Ctx.Raised;
  Check(Status, 'mp_recover_with_progress');
end;

procedure TMpClient.Acknowledge(const IdempotencyKey: string);
var
  UKey: UTF8String;
begin
  UKey := MpToUtf8(IdempotencyKey);
  Check(mp_acknowledge(FHandle, PAnsiChar(UKey)), 'mp_acknowledge');
end;

procedure TMpClient.AcknowledgeReport(const ReportJson: string);
var
  UReport: UTF8String;
begin
  UReport := MpToUtf8(ReportJson);
  Check(mp_acknowledge_report(FHandle, PAnsiChar(UReport)), 'mp_acknowledge_report');
end;

function TMpClient.DeviceCall(Clear: Boolean; const DeviceId: string): string;
var
  UDevice: UTF8String;
  P: PAnsiChar;
begin
  UDevice := MpToUtf8(DeviceId);
  P := nil;
  if Clear then
    Check(mp_device_clear(FHandle, PAnsiChar(UDevice), @P), 'mp_device_clear')
  else
    Check(mp_device_holds(FHandle, PAnsiChar(UDevice), @P), 'mp_device_holds');
  Result := MpTakeString(P);
end;

function TMpClient.DeviceHolds(const DeviceId: string): string;
begin
  Result := DeviceCall(False, DeviceId);
end;

function TMpClient.DeviceClear(const DeviceId: string): string;
begin
  Result := DeviceCall(True, DeviceId);
end;

function TMpClient.CreateTestUser(const SiteId: string): string;
var
  USite: UTF8String;
  P: PAnsiChar;
begin
  USite := MpToUtf8(SiteId);
  P := nil;
  Check(mp_create_test_user(FHandle, PAnsiChar(USite), @P), 'mp_create_test_user');
  Result := MpTakeString(P);
end;

end.
