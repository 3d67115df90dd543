{ test_mppoint.dpr: tests of the MpPoint unit (raw imports and TMpClient) against a running
  point-sim simulator: scripts/with-sim.sh sets MP_BASE_URL and MP_ACCESS_TOKEN (a step of
  100-500 ms suits these tests; bindings/delphi/test.sh uses 250).

  Ends with one line "N passed, N failed" and exits non-zero if anything failed.
  The journal tests (recovery's tickets, acknowledgements, what holds a terminal) also need
  MP_MANUAL_BASE_URL: a simulator started with --manual, as test.sh does. The test-user call
  is checked only on arguments refused before anything is sent. }
program test_mppoint;

{$IFDEF FPC}
  {$MODE DELPHI}
  {$H+}
  {$CODEPAGE UTF8}
{$ELSE}
  {$APPTYPE CONSOLE}
{$ENDIF}

uses
{$IFDEF FPC}{$IFDEF LINUX}
  BaseUnix,
{$ENDIF}{$ENDIF}
  SysUtils,
  MpPoint in 'MpPoint.pas';

const
  DEVICE1 = 'PAX_A910__SMARTPOS1495357742';
  DEVICE2 = 'GERTEC_MP35P__8701012051267097';
  DEVICE3 = 'INGENICO_MOVE2500__ING-ARG-14886780';
  { Far more than a sale takes on the simulator; a hang fails instead of blocking CI. }
  WAIT_MS = 30000;
  NON_ASCII_REFERENCE = 'Pedido ñandú 42';

var
  Passed: Integer = 0;
  Failed: Integer = 0;
  Token: string;
  BaseUrl: string;
  { A simulator in --manual mode (test.sh starts it): an intent stays OPEN until its terminal's
    keys are pressed, so what holds a terminal is known exactly. }
  ManualUrl: string;

{ ---- Assertions ---- }

procedure Check(Ok: Boolean; const What: string);
begin
  if Ok then
    Inc(Passed)
  else
  begin
    Inc(Failed);
    WriteLn('FAIL ', What);
  end;
end;

procedure CheckEq(const Got, Want, What: string);
begin
  Check(Got = Want, What + ': got "' + Got + '", want "' + Want + '"');
end;

procedure CheckInt(Got, Want: Int64; const What: string);
begin
  Check(Got = Want, What + ': got ' + IntToStr(Got) + ', want ' + IntToStr(Want));
end;

procedure Section(const Name: string);
begin
  WriteLn('# ', Name);
end;

{ Checks an EMpPointError's fields. Local argument errors must carry no HTTP status. }
procedure CheckError(E: Exception; WantStatus: TMpStatus; WantHttp: Integer;
  const What: string);
var
  M: EMpPointError;
begin
  if not (E is EMpPointError) then
  begin
    Check(False, What + ': raised ' + E.ClassName + ' (' + E.Message + '), want EMpPointError');
    Exit;
  end;
  M := EMpPointError(E);
  CheckEq(MpStatusName(M.Status), MpStatusName(WantStatus), What + ': Status');
  CheckInt(M.HttpStatus, WantHttp, What + ': HttpStatus');
  Check(M.LastError <> '', What + ': LastError is empty');
  Check(Pos(MpStatusName(WantStatus), M.Message) > 0,
    What + ': Message does not name the status: ' + M.Message);
end;

procedure NotRaised(const What: string);
begin
  Check(False, What + ': no exception was raised');
end;

function JsonQuote(const S: string): string;
var
  I: Integer;
begin
  Result := '"';
  for I := 1 to Length(S) do
    if (S[I] = '"') or (S[I] = '\') then
      Result := Result + '\' + S[I]
    else
      Result := Result + S[I];
  Result := Result + '"';
end;

function NewClient: TMpClient;
begin
  Result := TMpClient.CreateWithOptions('{"access_token":' + JsonQuote(Token) +
    ',"base_url":' + JsonQuote(BaseUrl) + ',"poll_interval_ms":50}');
end;

{ ---- Event handlers (TMpClient's callbacks are methods) ---- }

type
  ETestCallback = class(Exception);

  TRecorder = class(TObject)
  public
    Calls: Integer;
    States: array of TMpIntentState;
    FirstJson: string;
    LastJson: string;
    Sender: TMpClient;
    StopAfter: Integer;   { set Stop on this call (0: never) }
    RaiseAfter: Integer;  { raise ETestCallback on this call (0: never) }
    LogLines: Integer;
    LogText: string;
    LogBadLevel: Boolean;
    RaiseInLog: Boolean;  { raise ETestCallback in the log handler }
    procedure Progress(ASender: TMpClient; State: TMpIntentState; const IntentJson: string;
      var Stop: Boolean);
    procedure Log(ASender: TMpClient; Level: TMpLogLevel; const Msg: string);
  end;

procedure TRecorder.Progress(ASender: TMpClient; State: TMpIntentState;
  const IntentJson: string; var Stop: Boolean);
begin
  Inc(Calls);
  SetLength(States, Length(States) + 1);
  States[High(States)] := State;
  if Calls = 1 then
    FirstJson := IntentJson;
  LastJson := IntentJson;
  Sender := ASender;
  if (RaiseAfter > 0) and (Calls >= RaiseAfter) then
    raise ETestCallback.Create('raised in the progress handler');
  if (StopAfter > 0) and (Calls >= StopAfter) then
    Stop := True;
end;

procedure TRecorder.Log(ASender: TMpClient; Level: TMpLogLevel; const Msg: string);
begin
  Inc(LogLines);
  LogText := LogText + Msg + #10;
  if (Level < MP_LOG_LEVEL_ERROR) or (Level > MP_LOG_LEVEL_DEBUG) then
    LogBadLevel := True;
  if RaiseInLog then
    raise ETestCallback.Create('raised in the log handler');
end;

var
  { A log handler for the refused SetLogCallback call. }
  LogSink: TRecorder;

{ Waits for an intent to end, so the next test finds its device free. }
procedure Drain(Client: TMpClient; const IntentId: string);
var
  State: TMpIntentState;
  Json: string;
begin
  Client.WaitIntent(IntentId, WAIT_MS, nil, State, Json);
end;

{ ---- Tests without the simulator ---- }

procedure TestVersion;
var
  Major, Ours, Next, Older, NextMajor: string;
begin
  Section('version and ABI guard');
  CheckEq(MpVersion, MP_VERSION_TEXT, 'MpVersion');
  Check(MpVersionCompatible(MpVersion), 'the loaded library is compatible');
  { The versions around this unit's own (MP_VERSION_MAJOR.MP_VERSION_MINOR, generated). }
  Major := IntToStr(MP_VERSION_MAJOR);
  Ours := Major + '.' + IntToStr(MP_VERSION_MINOR);
  Check(MpVersionCompatible(Ours + '.0'), Ours + '.0 is compatible');
  Check(MpVersionCompatible(Ours), Ours + ' is compatible');
  Check(MpVersionCompatible(Ours + '.17-rc.1'), Ours + '.17-rc.1 is compatible');
  { A newer minor of the same major only adds to the interface: compatible, compared as a
    number (minor 40 and minor + 10 are newer, whatever their text). }
  Next := Major + '.' + IntToStr(MP_VERSION_MINOR + 1);
  Check(MpVersionCompatible(Next + '.0'), Next + '.0 is compatible');
  Check(MpVersionCompatible(Next), Next + ' is compatible');
  Check(MpVersionCompatible(Next + '.3-rc.1+b7'), Next + '.3-rc.1+b7 is compatible');
  Check(MpVersionCompatible(Major + '.' + IntToStr(MP_VERSION_MINOR + 10) + '.0'),
    Major + '.' + IntToStr(MP_VERSION_MINOR + 10) + '.0 is compatible');
  Check(MpVersionCompatible(Ours + '0.0'), Ours + '0.0 is compatible');
  { An older minor may lack functions this unit calls; another major may have another ABI. }
  if MP_VERSION_MINOR > 0 then
  begin
    Older := Major + '.' + IntToStr(MP_VERSION_MINOR - 1);
    Check(not MpVersionCompatible(Older + '.0'), Older + '.0 is not compatible');
    Check(not MpVersionCompatible(Older + '.99'), Older + '.99 is not compatible');
  end;
  NextMajor := IntToStr(MP_VERSION_MAJOR + 1);
  Check(not MpVersionCompatible(NextMajor + '.0.0'), NextMajor + '.0.0 is not compatible');
  Check(not MpVersionCompatible(NextMajor + '.' + IntToStr(MP_VERSION_MINOR + 1) + '.0'),
    NextMajor + '.' + IntToStr(MP_VERSION_MINOR + 1) + '.0 is not compatible');
  { Malformed versions. }
  Check(not MpVersionCompatible(Ours + 'x'), Ours + 'x is not compatible');
  Check(not MpVersionCompatible(Next + 'x'), Next + 'x is not compatible');
  Check(not MpVersionCompatible(Major), Major + ' is not compatible');
  Check(not MpVersionCompatible(Major + '.'), Major + '. is not compatible');
  Check(not MpVersionCompatible(Major + '.x.0'), Major + '.x.0 is not compatible');
  Check(not MpVersionCompatible(''), 'an empty version is not compatible');
  Check(not MpVersionCompatible('x.y.z'), 'x.y.z is not compatible');
  try
    MpCheckVersion;
    Check(True, 'MpCheckVersion accepts the loaded library');
  except
    on E: Exception do
      Check(False, 'MpCheckVersion raised ' + E.ClassName + ': ' + E.Message);
  end;
end;

procedure TestNames;
begin
  Section('status and state names');
  CheckEq(MpStatusName(MP_STATUS_OK), 'MP_STATUS_OK', 'MpStatusName(OK)');
  CheckEq(MpStatusName(MP_STATUS_DEVICE_BUSY), 'MP_STATUS_DEVICE_BUSY',
    'MpStatusName(DEVICE_BUSY)');
  CheckEq(MpStatusName(MP_STATUS_INTERNAL), 'MP_STATUS_INTERNAL', 'MpStatusName(INTERNAL)');
  CheckEq(MpStatusName(999), 'MP_STATUS_UNKNOWN', 'MpStatusName(999)');
  CheckEq(MpIntentStateName(MP_INTENT_STATE_FINISHED), 'FINISHED', 'state name FINISHED');
  CheckEq(MpIntentStateName(MP_INTENT_STATE_ON_TERMINAL), 'ON_TERMINAL',
    'state name ON_TERMINAL');
  CheckEq(MpIntentStateName(MP_INTENT_STATE_CONFIRMATION_REQUIRED), 'CONFIRMATION_REQUIRED',
    'state name CONFIRMATION_REQUIRED');
  CheckEq(MpIntentStateName(MP_INTENT_STATE_UNKNOWN), 'UNKNOWN', 'state name UNKNOWN');
  CheckEq(MpIntentStateName(4000000000), 'UNKNOWN', 'state name of 4000000000');
  Check(not MpIntentStateIsFinal(MP_INTENT_STATE_UNKNOWN), 'UNKNOWN is not final');
  Check(not MpIntentStateIsFinal(MP_INTENT_STATE_OPEN), 'OPEN is not final');
  Check(not MpIntentStateIsFinal(MP_INTENT_STATE_PROCESSED), 'PROCESSED is not final');
  Check(MpIntentStateIsFinal(MP_INTENT_STATE_FINISHED), 'FINISHED is final');
  Check(MpIntentStateIsFinal(MP_INTENT_STATE_CANCELED), 'CANCELED is final');
  Check(MpIntentStateIsFinal(MP_INTENT_STATE_CONFIRMATION_REQUIRED),
    'CONFIRMATION_REQUIRED is final');
  Check(not MpIntentStateIsFinal(10), '10 is not final');
end;

{ The library's own quoting, through the raw import. }
function LibraryQuote(const S: string): string;
var
  U: UTF8String;
  P: PAnsiChar;
begin
  U := MpToUtf8(S);
  P := nil;
  CheckInt(mp_json_quote(PAnsiChar(U), @P), MP_STATUS_OK, 'mp_json_quote');
  Result := MpTakeString(P);
end;

procedure TestJson;
const
  Doc = '{"payment":{"id":123456789012345678,"amount":15.10,"ok":true,"none":null},' +
    '"devices":[{"id":"A"},{"id":"B"}],"ref":"Pedido ñandú 42","q":"say \"hi\""}';
var
  V: string;
begin
  Section('JSON helper');
  CheckEq(MpJsonGet(Doc, 'devices.1.id'), 'B', 'array index');
  CheckEq(MpJsonGet(Doc, 'payment.id'), '123456789012345678', '18-digit id keeps every digit');
  CheckEq(MpJsonGet(Doc, 'payment.amount'), '15.10', 'decimal keeps its digits');
  CheckEq(MpJsonGet(Doc, 'payment.ok'), 'true', 'true');
  CheckEq(MpJsonGet(Doc, 'payment.none'), 'null', 'null');
  CheckEq(MpJsonGet(Doc, 'devices.0'), '{"id":"A"}', 'object as compact JSON');
  CheckEq(MpJsonGet(Doc, 'ref'), NON_ASCII_REFERENCE, 'non-ASCII string value');
  CheckEq(MpJsonGet(Doc, 'q'), 'say "hi"', 'escaped quotes come out unquoted');
  Check(MpJsonTryGet(Doc, 'devices.0.id', V) and (V = 'A'), 'MpJsonTryGet finds a value');
  Check(not MpJsonTryGet(Doc, 'devices.2.id', V), 'MpJsonTryGet: absent path is False');
  CheckEq(V, '', 'MpJsonTryGet: Value is empty when absent');
  try
    MpJsonGet(Doc, 'payment.missing');
    NotRaised('MpJsonGet of an absent path');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_NOT_FOUND, 0, 'MpJsonGet of an absent path');
  end;
  try
    MpJsonGet('{not json', 'a');
    NotRaised('MpJsonGet of bad JSON');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'MpJsonGet of bad JSON');
  end;
  try
    MpJsonTryGet('[1,', '0', V);
    NotRaised('MpJsonTryGet of bad JSON');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'MpJsonTryGet of bad JSON');
  end;
  { MpJsonQuote writes what the library's mp_json_quote writes. }
  CheckEq(MpJsonQuote('C:\POS\a"b' + #10 + #9 + #1), '"C:\\POS\\a\"b\n\t\u0001"',
    'MpJsonQuote escapes');
  CheckEq(MpJsonQuote(''), '""', 'MpJsonQuote of nothing');
  CheckEq(MpJsonQuote('a' + #0 + 'b' + #0), '"a\u0000b\u0000"', 'MpJsonQuote of NULs');
  CheckEq(MpJsonQuote('C:\POS\a"b' + #10 + #9 + #1 + #31 + '/x'), LibraryQuote('C:\POS\a"b' +
    #10 + #9 + #1 + #31 + '/x'), 'MpJsonQuote = mp_json_quote');
  CheckEq(MpJsonGet('{"k":' + MpJsonQuote('Ref "q" \ ' + #1) + '}', 'k'), 'Ref "q" \ ' + #1,
    'MpJsonQuote round trip through mp_json_get');
end;

procedure TestSignatures;
const
  Secret = 'webhook-secret-ñ';
var
  V1, Header, Reason: string;
begin
  Section('webhook signatures');
  { RFC 4231, test case 2. }
  CheckEq(MpSignChallenge('Jefe', 'what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    'HMAC-SHA256 of RFC 4231 case 2');

  { A v1 made over the signed text of a notification with data.id 1 and no request id. }
  V1 := MpSignChallenge(Secret, 'id:1;ts:1700000000;');
  CheckInt(Length(V1), 64, 'v1 is 64 hex digits');
  Header := 'ts=1700000000,v1=' + V1;
  Check(MpVerifySignature(Secret, Header, '', '1', 300, 1700000100, Reason),
    'a good signature verifies: ' + Reason);
  CheckEq(Reason, '', 'no reason for a good signature');
  Check(MpVerifySignature(Secret, Header, '', '1', 0, 0), 'no time check with tolerance 0');
  Check(not MpVerifySignature('another-secret', Header, '', '1', 0, 0, Reason),
    'a wrong secret does not verify');
  Check(Reason <> '', 'a mismatch has a reason');
  Check(not MpVerifySignature(Secret, Header, '', '2', 0, 0), 'another data.id does not verify');
  Check(not MpVerifySignature(Secret, Header, 'req-1', '1', 0, 0),
    'an added request id does not verify');
  Check(not MpVerifySignature(Secret, 'ts=1700000001,v1=' + V1, '', '1', 0, 0),
    'another timestamp does not verify');
  Check(not MpVerifySignature(Secret, Header, '', '1', 300, 1700000000 + 3600, Reason),
    'a stale timestamp does not verify');
  Check(Reason <> '', 'a stale timestamp has a reason');
  Check(not MpVerifySignature(Secret, 'v1=' + V1, '', '1', 0, 0, Reason),
    'a malformed header does not verify');
end;

procedure TestNotification;
const
  Body = '{"id":"7d8c70b6-2ac8-4c57-a441-c319088ca3ca","created_at":"2021-08-22 19:24:14",' +
    '"amount":1400,"payment":{"id":18308029193,"type":"credit_card","state":"approved"},' +
    '"additional_info":{"external_reference":"Pedido ñandú 42"},"state":"FINISHED"}';
var
  State: TMpIntentState;
  Json: string;
begin
  Section('notifications');
  Json := MpParseNotification(Body, State);
  CheckEq(MpIntentStateName(State), 'FINISHED', 'notification state');
  CheckEq(MpJsonGet(Json, 'kind'), 'payment_intent', 'notification kind');
  CheckEq(MpJsonGet(Json, 'intent_id'), '7d8c70b6-2ac8-4c57-a441-c319088ca3ca',
    'notification intent_id');
  CheckEq(MpJsonGet(Json, 'payment_id'), '18308029193', 'notification payment_id');
  CheckEq(MpJsonGet(Json, 'amount'), '1400', 'notification amount');
  CheckEq(MpJsonGet(Json, 'external_reference'), NON_ASCII_REFERENCE,
    'notification non-ASCII external_reference');
  try
    MpParseNotification('{"id":"x1","amount":1500}', State);
    NotRaised('a body without state');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'a body without state');
  end;
end;

procedure ExpectInvalid(Client: TMpClient; Which: Integer; const What: string);
var
  State: TMpIntentState;
  Json: string;
begin
  try
    case Which of
      0: Client.CreateIntentSimple(DEVICE1, 0);
      1: Client.CreateIntentSimple(DEVICE1, -1500);
      2: Client.CreateIntent(DEVICE1, '{"amount":15.5}');
      3: Client.CreateIntent(DEVICE1, '{"amount":"1500"}');
      4: Client.CreateRefund(DEVICE1, '0aa0519d-d985-4e83');
      5: Client.CreateRefund(DEVICE1, '20000000001', '[]');
      6: Client.CreateRefund(DEVICE1, '20000000001', '{');
      7: Client.GetPayment('../users/me');
      8: Client.GetPayment('');
      9: Client.CreateTestUser('mla');
      10: Client.CreateTestUser('ML');
      11: Client.RefundStatus('', State);
      12: Client.WaitRefund('', 1000, nil, State, Json);
      13: Client.CancelRefund(DEVICE1, '');
      14: Client.ListDevices('{"colour":"red"}');
      15: Client.ListIntentEvents('2024-01-01', '');
      16: Client.SetLogCallback(LogSink.Log, 9);
    end;
    NotRaised(What);
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, What);
  end;
end;

procedure TestInvalidArguments;
const
  Names: array[0..16] of string = ('amount 0', 'negative amount', 'decimal amount',
    'amount as a string', 'refund of a non-numeric payment id', 'refund_json that is an array',
    'refund_json that is not JSON', 'payment id with a path', 'empty payment id',
    'lower-case site id', 'two-letter site id', 'empty refund id (status)',
    'empty refund id (wait)', 'empty refund id (cancel)', 'unknown device filter',
    'empty end date', 'log level 9');
var
  Client: TMpClient;
  I: Integer;
begin
  Section('invalid arguments (nothing sent)');
  Client := nil;
  try
    Client := TMpClient.Create('');
    NotRaised('TMpClient.Create('''')');
  except
    on E: Exception do
    begin
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'TMpClient.Create('''')');
      if E is EMpPointError then
        CheckEq(EMpPointError(E).FunctionName, 'mp_init', 'FunctionName');
    end;
  end;
  Check(Client = nil, 'no client after a failed constructor');
  try
    Client := TMpClient.CreateWithOptions('{"access_token":"TEST-x","colour":"red"}');
    NotRaised('an unknown option');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'an unknown option');
  end;
  try
    Client := TMpClient.CreateWithOptions('access_token=TEST-x');
    NotRaised('options that are not JSON');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'options that are not JSON');
  end;

  Client := NewClient;
  try
    for I := Low(Names) to High(Names) do
      ExpectInvalid(Client, I, Names[I]);
  finally
    Client.Free;
  end;
end;

{ ---- Tests against the simulator ---- }

procedure TestDevices(Client: TMpClient);
var
  Devices, Mode: string;
begin
  Section('devices');
  Devices := Client.ListDevices;
  CheckEq(MpJsonGet(Devices, 'devices.0.id'), DEVICE1, 'first device');
  CheckEq(MpJsonGet(Devices, 'devices.2.id'), DEVICE3, 'third device');
  Devices := Client.ListDevices('{"store_id":"47792480"}');
  CheckEq(MpJsonGet(Devices, 'devices.0.id'), DEVICE3, 'filtered by store');
  Check(not MpJsonTryGet(Devices, 'devices.1.id', Mode), 'the filter leaves one device');
  try
    Client.ListIntentEvents('2024-01-01', '2024-06-30');
    NotRaised('an events range over 30 days');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'an events range over 30 days (refused before sending)');
  end;
  Mode := Client.SetOperatingMode(DEVICE3, 'PDV');
  CheckEq(MpJsonGet(Mode, 'operating_mode'), 'PDV', 'SetOperatingMode answer');
end;

{ A sale, with the non-ASCII reference sent and read back, and the progress handler. }
procedure TestSale(Client: TMpClient);
var
  Id, Json, WaitJson, Events, Today, Yesterday: string;
  State: TMpIntentState;
  Status: TMpStatus;
  Rec: TRecorder;
  I: Integer;
  Ordered: Boolean;
begin
  Section('sale with a non-ASCII reference');
  Id := Client.CreateIntentSimple(DEVICE1, 1500, NON_ASCII_REFERENCE, True);
  Check(Length(Id) > 10, 'intent id: ' + Id);
  Json := Client.IntentStatus(Id, State);
  CheckEq(MpJsonGet(Json, 'id'), Id, 'IntentStatus id');
  CheckEq(MpJsonGet(Json, 'amount'), '1500', 'IntentStatus amount');
  CheckEq(MpJsonGet(Json, 'additional_info.external_reference'), NON_ASCII_REFERENCE,
    'external_reference round trip');
  Check(not MpIntentStateIsFinal(State), 'fresh intent is not final: ' +
    MpIntentStateName(State));

  Rec := TRecorder.Create;
  try
    Status := Client.WaitIntent(Id, WAIT_MS, Rec.Progress, State, WaitJson);
    CheckEq(MpStatusName(Status), 'MP_STATUS_OK', 'WaitIntent status');
    CheckEq(MpIntentStateName(State), 'FINISHED', 'final state');
    CheckEq(MpJsonGet(WaitJson, 'payment.state'), 'approved', 'payment state');
    Check(MpJsonGet(WaitJson, 'payment.id') <> '', 'payment id present');
    CheckEq(MpJsonGet(WaitJson, 'additional_info.external_reference'), NON_ASCII_REFERENCE,
      'external_reference in the waited JSON');
    Check(Rec.Calls >= 2, 'progress handler called ' + IntToStr(Rec.Calls) + ' times');
    Check(Rec.Sender = Client, 'progress handler gets the client as Sender');
    if Length(Rec.States) > 0 then
      CheckEq(MpIntentStateName(Rec.States[High(Rec.States)]), 'FINISHED',
        'last progress state');
    Ordered := True;
    for I := 1 to High(Rec.States) do
      if Rec.States[I] < Rec.States[I - 1] then
        Ordered := False;
    Check(Ordered, 'progress states never go back');
    CheckEq(MpJsonGet(Rec.LastJson, 'id'), Id, 'progress handler gets the intent JSON');
    CheckEq(MpJsonGet(Rec.LastJson, 'additional_info.external_reference'),
      NON_ASCII_REFERENCE, 'non-ASCII reference in the progress JSON');
  finally
    Rec.Free;
  end;

  Json := Client.IntentLastEvent(Id);
  CheckEq(MpJsonGet(Json, 'status'), 'FINISHED', 'IntentLastEvent status');
  { The simulator uses UTC dates: a range around today covers any time zone. }
  Today := FormatDateTime('yyyy-mm-dd', Now + 1);
  Yesterday := FormatDateTime('yyyy-mm-dd', Now - 1);
  Events := Client.ListIntentEvents(Yesterday, Today);
  Check(Pos(Id, Events) > 0, 'ListIntentEvents lists the intent');

  { A rejected card: FINISHED, but not approved. }
  Id := Client.CreateIntentSimple(DEVICE1, 1200, '', False);
  Client.WaitIntent(Id, WAIT_MS, nil, State, Json);
  CheckEq(MpIntentStateName(State), 'FINISHED', 'amount 1200 state');
  CheckEq(MpJsonGet(Json, 'payment.state'), 'rejected', 'amount 1200 payment state');

  { A full body through CreateIntent, with the caller's idempotency key. }
  Json := Client.CreateIntent(DEVICE1,
    '{"amount":1300,"additional_info":{"external_reference":"Ref \"ñ\"","print_on_terminal":false}}',
    'delphi-test-' + Id);
  CheckEq(MpJsonGet(Json, 'additional_info.external_reference'), 'Ref "ñ"',
    'CreateIntent body round trip');
  Client.WaitIntent(MpJsonGet(Json, 'id'), WAIT_MS, nil, State, WaitJson);
  CheckEq(MpIntentStateName(State), 'ERROR', 'amount 1300 state');
end;

procedure TestDeviceBusy(Client: TMpClient);
var
  First: string;
begin
  Section('device busy');
  First := Client.CreateIntentSimple(DEVICE2, 2500, 'first');
  try
    Client.CreateIntentSimple(DEVICE2, 2600, 'second');
    NotRaised('a second intent on a busy device');
  except
    on E: Exception do
    begin
      CheckError(E, MP_STATUS_DEVICE_BUSY, 409, 'a second intent on a busy device');
      Check(E is EMpPointError, 'busy device raises EMpPointError');
      if E is EMpPointError then
      begin
        CheckInt(EMpPointError(E).Status, MP_STATUS_DEVICE_BUSY, 'Status = MP_STATUS_DEVICE_BUSY');
        CheckInt(EMpPointError(E).HttpStatus, 409, 'HttpStatus = 409');
        CheckEq(EMpPointError(E).FunctionName, 'mp_create_intent_simple', 'FunctionName');
      end;
    end;
  end;
  Drain(Client, First);
end;

procedure TestCancelAndNotFound(Client: TMpClient);
var
  Id, Json: string;
  State: TMpIntentState;
begin
  Section('cancel and not found');
  Id := Client.CreateIntentSimple(DEVICE3, 1700);
  Json := Client.CancelIntent(DEVICE3, Id);
  CheckEq(MpJsonGet(Json, 'id'), Id, 'CancelIntent answer');
  Client.WaitIntent(Id, WAIT_MS, nil, State, Json);
  CheckEq(MpIntentStateName(State), 'CANCELED', 'cancelled intent state');
  Check(not MpJsonTryGet(Json, 'payment.id', Id) or (Id = 'null'), 'no payment when cancelled');
  try
    Client.IntentStatus('7d8c70b6-0000-4c57-a441-c319088ca3ca', State);
    NotRaised('an unknown intent');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_NOT_FOUND, 404, 'an unknown intent');
  end;
end;

{ A POS process (this program, run with --ended-pos JOURNAL) that sends a sale with its
  journal and ends before waiting for it, as a crash leaves it; the id goes to JOURNAL.id. }
procedure EndedPos(const Journal: string);
var
  Client: TMpClient;
  Id: string;
  F: TextFile;
begin
  Client := TMpClient.CreateWithOptions('{"access_token":' + JsonQuote(Token) +
    ',"base_url":' + JsonQuote(BaseUrl) + ',"journal_path":' + JsonQuote(Journal) + '}');
  Id := Client.CreateIntentSimple(DEVICE3, 1500, 'delphi-crash');
  AssignFile(F, Journal + '.id');
  Rewrite(F);
  WriteLn(F, Id);
  CloseFile(F);
  Halt(0); { without Free }
end;

procedure TestRecover(Client: TMpClient);
var
  Journal, Id, Report, Resolution, Ignored: string;
  Recovering: TMpClient;
  F: TextFile;
  State: TMpIntentState;
begin
  Section('recover after a crash');
  CheckEq(MpJsonQuote('C:\POS\a"b' + #10), '"C:\\POS\\a\"b\n"', 'MpJsonQuote escapes a Windows path');
  Randomize;
  Journal := GetTempDir + 'mppoint-delphi-' + IntToStr(Random(1000000000)) + '.journal';
  CheckInt(ExecuteProcess(ParamStr(0), ['--ended-pos', Journal]), 0, 'the POS child ran');
  AssignFile(F, Journal + '.id');
  Reset(F);
  ReadLn(F, Id);
  CloseFile(F);
  Recovering := TMpClient.CreateWithOptions('{"access_token":' + JsonQuote(Token) +
    ',"base_url":' + JsonQuote(BaseUrl) + ',"poll_interval_ms":50,"journal_path":' +
    MpJsonQuote(Journal) + '}');
  try
    Report := Recovering.Recover(WAIT_MS);
    CheckEq(MpJsonGet(Report, 'sales.0.intent_id'), Id, 'the child''s sale is recovered');
    Check(not MpJsonTryGet(Report, 'sales.1', Ignored), 'one sale: ' + Report);
    CheckEq(MpJsonGet(Report, 'sales.0.amount'), '1500', 'its amount');
    CheckEq(MpJsonGet(Report, 'sales.0.external_reference'), 'delphi-crash', 'its reference');
    Resolution := MpJsonGet(Report, 'sales.0.resolution');
    { Still OPEN: cancelled; already on the terminal: waited for to its end. }
    Check((Resolution = 'canceled') or (Resolution = 'finished'), 'settled: ' + Report);
    Recovering.IntentStatus(Id, State);
    Check(MpIntentStateIsFinal(State), 'nothing left payable');
    CheckEq(Recovering.Recover(0), Report, 'recovering twice gives the same answer');
  finally
    Recovering.Free;
  end;
  try
    Client.Recover(0);
    NotRaised('Recover without a journal');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'Recover without a journal');
  end;
  DeleteFile(Journal);
  DeleteFile(Journal + '-wal');
  DeleteFile(Journal + '-shm');
  DeleteFile(Journal + '.id');
end;


function Unique(const Prefix: string): string;
begin
  Result := Prefix + '-' + IntToStr(Random(1000000000)) + '-' + IntToStr(Random(1000000000));
end;

{ A sale and a refund with the caller's idempotency key: the resend is the same call. }
procedure TestKeyed(Client: TMpClient);
var
  Key, Id, Again, Json, PaymentId, RefundId: string;
  State: TMpIntentState;
  Orders: TMpClient;
begin
  Section('keyed sale and refund');
  Key := Unique('delphi-keyed');
  Id := Client.CreateIntentSimple(DEVICE1, 1500, 'delphi-keyed', False, Key);
  Again := Client.CreateIntentSimple(DEVICE1, 1500, 'delphi-keyed', False, Key);
  CheckEq(Again, Id, 'the same create with the same key is the same intent');
  try
    Client.CreateIntentSimple(DEVICE1, 1600, 'delphi-keyed', False, Key);
    NotRaised('the key with another amount');
  except
    on E: Exception do
    begin
      CheckError(E, MP_STATUS_API, 400, 'the key with another amount');
      if E is EMpPointError then
        CheckEq(EMpPointError(E).FunctionName, 'mp_create_intent_keyed', 'FunctionName');
    end;
  end;
  Client.WaitIntent(Id, WAIT_MS, nil, State, Json);
  CheckEq(MpJsonGet(Json, 'payment.state'), 'approved', 'the keyed sale is paid');

  PaymentId := MpJsonGet(Json, 'payment.id');
  Key := Unique('delphi-refund');
  RefundId := Client.CreateRefundKeyed(DEVICE1, PaymentId, 0, Key);
  Check(RefundId <> '', 'a refund id');
  CheckEq(Client.CreateRefundKeyed(DEVICE1, PaymentId, 0, Key), RefundId,
    'the resend with the key is the same refund');
  Client.WaitRefund(RefundId, WAIT_MS, nil, State, Json);
  CheckEq(MpIntentStateName(State), 'FINISHED', 'the refund''s final state');
  CheckEq(MpJsonGet(Client.GetPayment(PaymentId), 'status'), 'refunded', 'the payment is refunded');
  try
    Client.CreateRefundKeyed(DEVICE1, PaymentId, 500);
    NotRaised('a partial refund with the Point Integration API');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_UNSUPPORTED, 0, 'a partial refund with the Point Integration API');
  end;

  Orders := TMpClient.CreateWithOptions('{"access_token":' + JsonQuote(Token) +
    ',"base_url":' + JsonQuote(BaseUrl) + ',"poll_interval_ms":50,"api":"orders"}');
  try
    Id := Orders.CreateIntentSimple(DEVICE2, 2490, 'delphi-orders-refund', True, Unique('delphi-o'));
    Orders.WaitIntent(Id, WAIT_MS, nil, State, Json);
    CheckEq(MpJsonGet(Json, 'payment.state'), 'approved', 'the order is paid');
    RefundId := Orders.CreateRefundKeyed(DEVICE2, Id, 500, Unique('delphi-or'));
    Orders.WaitRefund(RefundId, WAIT_MS, nil, State, Json);
    CheckEq(MpIntentStateName(State), 'FINISHED', 'the partial refund''s final state');
    CheckEq(MpJsonGet(Json, 'amount'), '500', '500 refunded');
  finally
    Orders.Free;
  end;
end;

function NewJournal: string;
begin
  Result := GetTempDir + Unique('mppoint-delphi') + '.journal';
end;

procedure DeleteJournal(const Journal: string);
begin
  DeleteFile(Journal);
  DeleteFile(Journal + '-wal');
  DeleteFile(Journal + '-shm');
end;

{ A client of the manual simulator with a journal. }
function JournalClient(const Journal: string): TMpClient;
begin
  Result := TMpClient.CreateWithOptions('{"access_token":' + JsonQuote(Token) +
    ',"base_url":' + JsonQuote(ManualUrl) + ',"poll_interval_ms":50,"journal_path":' +
    MpJsonQuote(Journal) + '}');
end;

{ A POS that creates a sale with its journal and is gone before following it (its client
  freed): recovery's to settle. }
function EndedClient(const Journal, Device, Ticket, Key: string): string;
var
  Seller: TMpClient;
begin
  Seller := JournalClient(Journal);
  try
    Result := Seller.CreateIntentSimple(Device, 1500, Ticket, False, Key);
  finally
    Seller.Free;
  end;
end;

procedure TestRecoverTickets;
var
  Journal, Key, Id, Report, After, V: string;
  Client: TMpClient;
  Rec: TRecorder;
  State: TMpIntentState;
begin
  Section('recover with progress: tickets, acknowledge');
  Journal := NewJournal;
  Key := Unique('delphi-recover');
  Id := EndedClient(Journal, DEVICE1, 'DELPHI-T-1', Key);
  Client := JournalClient(Journal);
  Rec := TRecorder.Create;
  try
    Report := Client.Recover(WAIT_MS, Rec.Progress);
    Check(Rec.Calls >= 1, 'the progress method was called');
    if Length(Rec.States) > 0 then
      CheckEq(MpIntentStateName(Rec.States[0]), 'OPEN', 'first the entry as journaled');
    CheckEq(MpJsonGet(Rec.FirstJson, 'idempotency_key'), Key, 'the progress gets the entry');
    Check(Rec.Sender = Client, 'Sender is the client');
    CheckEq(MpJsonGet(Report, 'tickets.0.ticket'), 'DELPHI-T-1', 'the ticket');
    Check(not MpJsonTryGet(Report, 'tickets.1', V), 'one ticket: ' + Report);
    { Still OPEN on a manual terminal: cancelled, so the ticket is not paid. }
    CheckEq(MpJsonGet(Report, 'tickets.0.verdict'), 'not_paid', 'its verdict');
    CheckEq(MpJsonGet(Report, 'tickets.0.entries.0.intent_id'), Id, 'its entry');
    CheckEq(MpJsonGet(Report, 'tickets.0.entries.0.resolution'), 'canceled', 'resolution');
    CheckEq(MpJsonGet(Report, 'sales.0.ticket'), 'DELPHI-T-1', 'the entry''s ticket');
    CheckEq(MpJsonGet(Report, 'sales.0.acknowledged'), 'false', 'not acknowledged yet');
    Check(Length(MpJsonGet(Report, 'sales.0.created_at_ms')) = 13, 'created_at_ms in Unix ms');
    Client.IntentStatus(Id, State);
    CheckEq(MpIntentStateName(State), 'CANCELED', 'nothing left payable');
    CheckEq(Client.Recover(0, nil), Report, 'twice, the same answer');

    Client.AcknowledgeReport(Report);
    After := Client.Recover(0);
    CheckEq(MpJsonGet(After, 'sales'), '[]', 'nothing reported once acknowledged');
    CheckEq(MpJsonGet(After, 'tickets'), '[]', 'no ticket once acknowledged');
    Client.Acknowledge(Key);
    Check(True, 'acknowledging twice is fine');
  finally
    Rec.Free;
    Client.Free;
  end;
  DeleteJournal(Journal);
end;

procedure TestRecoverStopped;
var
  Journal, Key, Report: string;
  Client: TMpClient;
  Rec: TRecorder;
  Raised: Boolean;
begin
  Section('recover stopped by the progress method');
  Journal := NewJournal;
  Key := Unique('delphi-stop');
  EndedClient(Journal, DEVICE2, 'DELPHI-T-2', Key);
  Client := JournalClient(Journal);
  try
    Rec := TRecorder.Create;
    try
      Rec.StopAfter := 1;
      Report := Client.Recover(WAIT_MS, Rec.Progress);
      CheckInt(Rec.Calls, 1, 'stopped at the first call');
    finally
      Rec.Free;
    end;
    CheckEq(MpJsonGet(Report, 'tickets.0.verdict'), 'pending', 'not settled: ' + Report);
    CheckEq(MpJsonGet(Report, 'sales.0.resolution'), 'pending', 'the entry is pending');
    CheckEq(MpJsonGet(Client.DeviceHolds(DEVICE2), 'holds.0.process_running'), 'false',
      'it holds the terminal, its process gone');

    Rec := TRecorder.Create;
    Raised := False;
    try
      Rec.RaiseAfter := 1;
      try
        Client.Recover(WAIT_MS, Rec.Progress);
      except
        on E: ETestCallback do
          Raised := True;
        on E: Exception do
          Check(False, 'Recover raised ' + E.ClassName + ': ' + E.Message);
      end;
      Check(Raised, 'an exception in the progress method comes out of Recover');
    finally
      Rec.Free;
    end;
    CheckEq(MpJsonGet(Client.DeviceHolds(DEVICE2), 'holds.0.idempotency_key'), Key,
      'still unsettled after the exception');

    Client.AcknowledgeReport(Report); { leaves what is pending }
    Report := Client.Recover(WAIT_MS);
    CheckEq(MpJsonGet(Report, 'sales.0.resolution'), 'canceled', 'settled at last');
    CheckEq(MpJsonGet(Report, 'tickets.0.verdict'), 'not_paid', 'its verdict');
    CheckEq(MpJsonGet(Client.DeviceHolds(DEVICE2), 'holds'), '[]', 'the terminal is free');
  finally
    Client.Free;
  end;
  DeleteJournal(Journal);
end;

procedure TestAcknowledge(Plain: TMpClient);
var
  Journal, Key, Id, Json: string;
  Client: TMpClient;
  State: TMpIntentState;
begin
  Section('acknowledge');
  Journal := NewJournal;
  Client := JournalClient(Journal);
  try
    try
      Client.Acknowledge('no-such-key');
      NotRaised('acknowledge a key the journal lacks');
    except
      on E: Exception do
        CheckError(E, MP_STATUS_NOT_FOUND, 0, 'acknowledge a key the journal lacks');
    end;
    Key := Unique('delphi-ack');
    Id := Client.CreateIntentSimple(DEVICE3, 1500, 'DELPHI-T-3', False, Key);
    try
      Client.Acknowledge(Key);
      NotRaised('acknowledge an entry not settled yet');
    except
      on E: Exception do
        CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'acknowledge an entry not settled yet');
    end;
    try
      Client.AcknowledgeReport('{"x":1}');
      NotRaised('acknowledge what is not a report');
    except
      on E: Exception do
        CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'acknowledge what is not a report');
    end;
    Client.CancelIntent(DEVICE3, Id);
    Client.WaitIntent(Id, WAIT_MS, nil, State, Json);
    CheckEq(MpIntentStateName(State), 'CANCELED', 'cancelled');
    Client.Acknowledge(Key);
    Check(True, 'a settled entry is acknowledged');
  finally
    Client.Free;
  end;
  DeleteJournal(Journal);
  try
    Plain.DeviceHolds(DEVICE1);
    NotRaised('DeviceHolds without a journal');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'DeviceHolds without a journal');
  end;
  try
    Plain.AcknowledgeReport('{"sales":[]}');
    NotRaised('AcknowledgeReport without a journal');
  except
    on E: Exception do
      CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'AcknowledgeReport without a journal');
  end;
end;

procedure TestDeviceHoldsAndClear;
var
  Journal, Id, Holds, Cleared: string;
  Client: TMpClient;
  State: TMpIntentState;
begin
  Section('device holds and clear');
  Journal := NewJournal;
  Client := JournalClient(Journal);
  try
    CheckEq(MpJsonGet(Client.DeviceHolds(DEVICE1), 'holds'), '[]', 'nothing holds it yet');
    Id := Client.CreateIntentSimple(DEVICE1, 1500, 'DELPHI-T-4', False, Unique('delphi-hold'));
    Holds := Client.DeviceHolds(DEVICE1);
    CheckEq(MpJsonGet(Holds, 'device_id'), DEVICE1, 'holds: its device');
    CheckEq(MpJsonGet(Holds, 'holds.0.intent_id'), Id, 'the OPEN sale holds it');
    CheckEq(MpJsonGet(Holds, 'holds.0.ticket'), 'DELPHI-T-4', 'its ticket');
    CheckEq(MpJsonGet(Holds, 'holds.0.process_running'), 'true', 'this process follows it');

    Cleared := Client.DeviceClear(DEVICE1);
    CheckEq(MpJsonGet(Cleared, 'free'), 'true', 'free after the clear: ' + Cleared);
    CheckEq(MpJsonGet(Cleared, 'cleared.0.intent_id'), Id, 'the sale was cleared');
    CheckEq(MpJsonGet(Cleared, 'cleared.0.state'), 'CANCELED', 'by cancelling it');
    CheckEq(MpJsonGet(Cleared, 'holding'), '[]', 'nothing holding');
    Client.IntentStatus(Id, State);
    CheckEq(MpIntentStateName(State), 'CANCELED', 'the service has it cancelled');
    CheckEq(MpJsonGet(Client.DeviceHolds(DEVICE1), 'holds'), '[]', 'nothing holds it any more');
  finally
    Client.Free;
  end;
  DeleteJournal(Journal);
end;

procedure TestOrders;
var
  Orders: TMpClient;
  Id, Json: string;
  State: TMpIntentState;
begin
  Section('orders api');
  Orders := TMpClient.CreateWithOptions('{"access_token":' + JsonQuote(Token) +
    ',"base_url":' + JsonQuote(BaseUrl) + ',"poll_interval_ms":50,"api":"orders"}');
  try
    Id := Orders.CreateIntentSimple(DEVICE2, 2490, 'delphi-orders');
    CheckEq(Copy(Id, 1, 3), 'ORD', 'an order id');
    Orders.WaitIntent(Id, WAIT_MS, nil, State, Json);
    CheckEq(MpIntentStateName(State), 'FINISHED', 'the order''s final state');
    CheckEq(MpJsonGet(Json, 'amount'), '2490', 'amount in minor units');
    CheckEq(MpJsonGet(Json, 'payment.state'), 'approved', 'payment state');
  finally
    Orders.Free;
  end;
end;

procedure TestWaitEndings(Client: TMpClient);
var
  Id, Json: string;
  State: TMpIntentState;
  Status: TMpStatus;
  Rec: TRecorder;
  Raised: Boolean;
begin
  Section('wait: timeout, stop, exception in the handler');
  Id := Client.CreateIntentSimple(DEVICE1, 1800);
  Status := Client.WaitIntent(Id, 0, nil, State, Json);
  CheckEq(MpStatusName(Status), 'MP_STATUS_WAIT_TIMEOUT', 'timeout 0: one read, not final');
  Check(not MpIntentStateIsFinal(State), 'timeout: state is not final');
  CheckEq(MpJsonGet(Json, 'id'), Id, 'timeout: JSON of the last read');

  Rec := TRecorder.Create;
  try
    Rec.StopAfter := 1;
    Status := Client.WaitIntent(Id, WAIT_MS, Rec.Progress, State, Json);
    CheckEq(MpStatusName(Status), 'MP_STATUS_ABORTED', 'Stop := True ends the wait');
    CheckInt(Rec.Calls, 1, 'handler calls after Stop');
    Check(not MpIntentStateIsFinal(State), 'aborted: state is not final');
    CheckEq(MpJsonGet(Json, 'id'), Id, 'aborted: JSON of the last read');
  finally
    Rec.Free;
  end;

  Rec := TRecorder.Create;
  Raised := False;
  try
    Rec.RaiseAfter := 1;
    try
      Client.WaitIntent(Id, WAIT_MS, Rec.Progress, State, Json);
    except
      on E: ETestCallback do
      begin
        Raised := True;
        CheckEq(E.Message, 'raised in the progress handler', 'the handler''s exception');
      end;
      on E: Exception do
        Check(False, 'WaitIntent raised ' + E.ClassName + ': ' + E.Message);
    end;
    Check(Raised, 'an exception in the handler comes out of WaitIntent');
    CheckInt(Rec.Calls, 1, 'handler calls after raising');
  finally
    Rec.Free;
  end;
  { The client still works after that. }
  Client.IntentStatus(Id, State);
  Check(True, 'client usable after an exception in the handler');
  Drain(Client, Id);
end;

procedure TestLogAndIntegrator(Client: TMpClient);
var
  Rec: TRecorder;
  Lines: Integer;
  Json: string;
begin
  Section('log callback and integrator');
  Rec := TRecorder.Create;
  try
    Client.SetLogCallback(Rec.Log, MP_LOG_LEVEL_DEBUG);
    Client.ListDevices;
    Check(Rec.LogLines > 0, 'log lines for a request');
    Check(Pos('devices', Rec.LogText) > 0, 'the log names the request: ' + Rec.LogText);
    Check(Pos(Token, Rec.LogText) = 0, 'the log never holds the token');
    Check(not Rec.LogBadLevel, 'log levels are 1..4');
    { An exception in the log handler stays out of the library and of the call. }
    Rec.RaiseInLog := True;
    Lines := Rec.LogLines;
    try
      CheckEq(MpJsonGet(Client.ListDevices, 'devices.0.id'), DEVICE1,
        'a call succeeds although its log handler raises');
    except
      on E: Exception do
        Check(False, 'an exception of the log handler escaped: ' + E.ClassName + ': ' +
          E.Message);
    end;
    Check(Rec.LogLines > Lines, 'the raising log handler was called');
    Rec.RaiseInLog := False;
    { A refused level leaves the handler in place. }
    try
      Client.SetLogCallback(Rec.Log, 0);
      NotRaised('SetLogCallback with level 0');
    except
      on E: Exception do
        CheckError(E, MP_STATUS_INVALID_ARGUMENT, 0, 'SetLogCallback with level 0');
    end;
    Lines := Rec.LogLines;
    Client.ListDevices;
    Check(Rec.LogLines > Lines, 'logging goes on after a refused SetLogCallback');
    Client.SetLogCallback(nil);
    Lines := Rec.LogLines;
    Client.ListDevices;
    CheckInt(Rec.LogLines, Lines, 'no log lines after SetLogCallback(nil)');
  finally
    Rec.Free;
  end;

  Json := Client.GetIntegrator;
  Check(MpJsonGet(Json, 'token') <> '', 'integrator token');
  Client.SetWebhook('http://127.0.0.1:1/hook');
  CheckEq(MpJsonGet(Client.GetIntegrator, 'webhook'), 'http://127.0.0.1:1/hook',
    'webhook set');
  try
    Client.CheckWebhook;
    NotRaised('CheckWebhook of a webhook nobody answers');
  except
    on E: EMpPointError do
      Check(E.Status <> MP_STATUS_OK, 'CheckWebhook of a webhook nobody answers fails: ' +
        E.Message);
  end;
end;

{ The raw imports alone, with UTF-8 bytes written out: what a program that skips TMpClient
  does. }
procedure TestRawImports;
const
  { 'Pedido ñandú 42' in UTF-8, byte by byte (no code page of the compiler involved). }
  RefUtf8: array[0..17] of Byte = ($50, $65, $64, $69, $64, $6F, $20, $C3, $B1, $61, $6E,
    $64, $C3, $BA, $20, $34, $32, 0);
var
  Options: AnsiString;
  H: PMpClient;
  Id, Json, Value: PAnsiChar;
  State: TMpIntentState;
  Status: TMpStatus;
  Ref: PAnsiChar;
begin
  Section('raw imports');
  Ref := PAnsiChar(@RefUtf8[0]);
  Options := AnsiString('{"access_token":' + JsonQuote(Token) + ',"base_url":' +
    JsonQuote(BaseUrl) + ',"poll_interval_ms":50}');
  H := nil;
  CheckInt(mp_init_with_options(PAnsiChar(Options), @H), MP_STATUS_OK, 'mp_init_with_options');
  if H = nil then
    Exit;
  Id := nil;
  Status := mp_create_intent_simple(H, DEVICE3, 2100, Ref, 0, @Id);
  CheckInt(Status, MP_STATUS_OK, 'mp_create_intent_simple');
  if Status = MP_STATUS_OK then
  begin
    Json := nil;
    State := 12345;
    CheckInt(mp_intent_status(H, Id, @State, @Json), MP_STATUS_OK, 'mp_intent_status');
    Check(State <= MP_INTENT_STATE_CONFIRMATION_REQUIRED, 'mp_intent_status wrote a state');
    Value := nil;
    CheckInt(mp_json_get(Json, 'additional_info.external_reference', @Value), MP_STATUS_OK,
      'mp_json_get');
    Check((Value <> nil) and (StrLen(Value) = StrLen(Ref)) and
      CompareMem(Value, Ref, StrLen(Ref)), 'the UTF-8 bytes of the reference come back unchanged');
    mp_string_free(Value);
    mp_string_free(Json);

    { The second intent on the device: 409, with the per-thread error details. }
    Value := nil;
    Status := mp_create_intent_simple(H, DEVICE3, 2200, nil, 0, @Value);
    CheckInt(Status, MP_STATUS_DEVICE_BUSY, 'raw: second intent on a busy device');
    CheckInt(mp_last_http_status, 409, 'raw: mp_last_http_status');
    Check(StrLen(mp_last_error) > 0, 'raw: mp_last_error is set');
    Check(Value = nil, 'raw: the out-parameter is untouched on failure');

    Json := nil;
    Status := mp_wait_intent(H, Id, WAIT_MS, nil, nil, @State, @Json);
    CheckInt(Status, MP_STATUS_OK, 'raw: mp_wait_intent');
    CheckInt(State, MP_INTENT_STATE_FINISHED, 'raw: final state');
    mp_string_free(Json);
    mp_string_free(Id);
  end;
  mp_free(H);
end;

{$IFDEF FPC}{$IFDEF LINUX}
{ The process's open sockets, from /proc/self/fd. }
function CountSockets: Integer;
var
  Info: TSearchRec;
  Target: string;
begin
  Result := 0;
  if FindFirst('/proc/self/fd/*', faAnyFile, Info) = 0 then
  begin
    repeat
      Target := fpReadLink('/proc/self/fd/' + Info.Name);
      if Copy(Target, 1, 7) = 'socket:' then
        Inc(Result);
    until FindNext(Info) <> 0;
    FindClose(Info);
  end;
end;

{ The destructor frees the C client: its kept-alive connection closes. }
procedure TestDestructorFrees;
var
  Client: TMpClient;
  Before, During, After: Integer;
begin
  Section('destructor frees the client');
  Before := CountSockets;
  Client := NewClient;
  Client.ListDevices;
  During := CountSockets;
  Check(During > Before, 'a kept-alive connection is open (' + IntToStr(Before) + ' -> ' +
    IntToStr(During) + ')');
  Client.Free;
  After := CountSockets;
  CheckInt(After, Before, 'sockets after Free');
end;
{$ENDIF}{$ENDIF}

procedure RunAll;
var
  Client: TMpClient;
begin
  TestVersion;
  TestNames;
  TestJson;
  TestSignatures;
  TestNotification;
  TestInvalidArguments;
  if (Token = '') or (BaseUrl = '') then
  begin
    Check(False, 'MP_ACCESS_TOKEN and MP_BASE_URL must point at a simulator ' +
      '(run through scripts/with-sim.sh)');
    Exit;
  end;
  Client := NewClient;
  try
    TestDevices(Client);
    TestSale(Client);
    TestDeviceBusy(Client);
    TestCancelAndNotFound(Client);
    TestWaitEndings(Client);
    TestLogAndIntegrator(Client);
    TestRecover(Client);
    TestOrders;
    TestKeyed(Client);
    if ManualUrl = '' then
      Check(False, 'MP_MANUAL_BASE_URL must point at a simulator in --manual mode ' +
        '(bindings/delphi/test.sh starts one)')
    else
    begin
      TestRecoverTickets;
      TestRecoverStopped;
      TestAcknowledge(Client);
      TestDeviceHoldsAndClear;
    end;
  finally
    Client.Free;
  end;
  TestRawImports;
{$IFDEF FPC}{$IFDEF LINUX}
  TestDestructorFrees;
{$ENDIF}{$ENDIF}
end;

begin
  Randomize;
  LogSink := TRecorder.Create;
  Token := GetEnvironmentVariable('MP_ACCESS_TOKEN');
  BaseUrl := GetEnvironmentVariable('MP_BASE_URL');
  ManualUrl := GetEnvironmentVariable('MP_MANUAL_BASE_URL');
  if (ParamCount = 2) and (ParamStr(1) = '--ended-pos') then
    EndedPos(ParamStr(2));
  try
    RunAll;
  except
    on E: Exception do
      Check(False, 'unexpected ' + E.ClassName + ': ' + E.Message);
  end;
  LogSink.Free;
  WriteLn(Passed, ' passed, ', Failed, ' failed');
  if Failed > 0 then
    ExitCode := 1;
end.
