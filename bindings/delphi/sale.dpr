{ sale.dpr: take one card payment on a Mercado Pago Point terminal with the MpPoint unit
  (the Delphi counterpart of examples/c/sale.c).

    sale [--device DEVICE_ID] [--cancel] [--refund] AMOUNT [EXTERNAL_REFERENCE]

  AMOUNT is in minor units (1500 = 15.00). After an approved payment it prints the receipt's
  card data (Payments API); with --refund it then refunds the payment on the same terminal.
  Environment:
    MP_ACCESS_TOKEN      required; the seller's access token
    MP_BASE_URL          optional; another API address (for example the point-sim simulator)
    MP_POLL_INTERVAL_MS  optional; how often to read the intent's state (with MP_BASE_URL)
    MP_DEBUG             optional; when set, print the library's log lines on stderr

  Exit status: 0 when the sale reached a final state (approved, rejected, error and canceled
  are all outcomes the register has to handle), 1 when the library failed, 2 for bad usage,
  3 when we stopped waiting (Ctrl-C, or our own 5-minute limit) before the terminal finished;
  the sample then cancels the intent if the terminal has not taken it yet.

  Build with Free Pascal (see bindings/delphi/test.sh), or open it in Delphi with MpPoint.pas
  next to it and mppoint.dll next to the executable. }
program sale;

{$IFDEF FPC}
  {$MODE DELPHI}
  {$H+}
{$ELSE}
  {$APPTYPE CONSOLE}
{$ENDIF}

uses
{$IFDEF MSWINDOWS}
  Windows,
{$ELSE}{$IFDEF FPC}
  BaseUnix,
{$ENDIF}{$ENDIF}
  SysUtils,
  MpPoint in 'MpPoint.pas';

const
  EXIT_FINAL = 0;
  EXIT_LIBRARY = 1;
  EXIT_USAGE = 2;
  EXIT_NOT_FINAL = 3;

  { Our own upper bound for one sale; the service abandons an intent nobody touches. }
  WAIT_TIMEOUT_MS = 5 * 60 * 1000;

var
  { Set by Ctrl-C; the progress handler then stops the wait. }
  Interrupted: Boolean = False;

{$IFDEF MSWINDOWS}
function OnConsoleCtrl(CtrlType: DWORD): BOOL; stdcall;
begin
  Result := CtrlType = CTRL_C_EVENT;
  if Result then
    Interrupted := True;
end;
{$ELSE}{$IFDEF FPC}
procedure OnSigInt(Sig: cint); cdecl;
begin
  Interrupted := True;
end;
{$ENDIF}{$ENDIF}

{ Lets Ctrl-C stop the wait instead of killing the register mid-sale (where the platform
  support is at hand: Windows, and Free Pascal on Unix). }
procedure CatchInterrupt(Enable: Boolean);
begin
{$IFDEF MSWINDOWS}
  SetConsoleCtrlHandler(@OnConsoleCtrl, Enable);
{$ELSE}{$IFDEF FPC}
  if Enable then
    fpSignal(SIGINT, OnSigInt)
  else
    fpSignal(SIGINT, SignalHandler(SIG_DFL));
{$ENDIF}{$ENDIF}
end;

type
  { Holds the event handlers: TMpClient's callbacks are methods ("of object"). }
  TSaleProgress = class(TObject)
  private
    FSeenAny: Boolean;
    FLast: TMpIntentState;
  public
    procedure Progress(Sender: TMpClient; State: TMpIntentState; const IntentJson: string;
      var Stop: Boolean);
    procedure Log(Sender: TMpClient; Level: TMpLogLevel; const Msg: string);
  end;

{ Prints only changes, so the log stays readable at a short poll interval. }
procedure TSaleProgress.Progress(Sender: TMpClient; State: TMpIntentState;
  const IntentJson: string; var Stop: Boolean);
begin
  if (not FSeenAny) or (State <> FLast) then
  begin
    WriteLn('  state: ', MpIntentStateName(State));
    Flush(Output);
    FSeenAny := True;
    FLast := State;
  end;
  Stop := Interrupted;
end;

procedure TSaleProgress.Log(Sender: TMpClient; Level: TMpLogLevel; const Msg: string);
const
  Names: array[0..4] of string = ('?', 'error', 'warn', 'info', 'debug');
begin
  if Level <= 4 then
    WriteLn(ErrOutput, '[mppoint ', Names[Level], '] ', Msg)
  else
    WriteLn(ErrOutput, '[mppoint ?] ', Msg);
end;

procedure Usage;
begin
  WriteLn(ErrOutput, 'usage: sale [--device DEVICE_ID] [--cancel] [--refund] AMOUNT ' +
    '[EXTERNAL_REFERENCE]');
  WriteLn(ErrOutput, '  AMOUNT in minor units (1500 = 15.00)');
  WriteLn(ErrOutput, '  environment: MP_ACCESS_TOKEN (required), MP_BASE_URL, ' +
    'MP_POLL_INTERVAL_MS, MP_DEBUG');
end;

procedure ReportFailure(const What: string; E: EMpPointError);
begin
  if E.HttpStatus <> 0 then
    WriteLn(ErrOutput, 'sale: ', What, ' failed: ', MpStatusName(E.Status), ' (HTTP ',
      E.HttpStatus, '): ', E.LastError)
  else
    WriteLn(ErrOutput, 'sale: ', What, ' failed: ', MpStatusName(E.Status), ': ', E.LastError);
end;

{ A JSON string literal, so that any token or URL makes valid options. }
function JsonQuote(const S: string): string;
var
  I: Integer;
  C: Char;
begin
  Result := '"';
  for I := 1 to Length(S) do
  begin
    C := S[I];
    if (C = '"') or (C = '\') then
      Result := Result + '\' + C
    else if Ord(C) < $20 then
      Result := Result + '\u' + IntToHex(Ord(C), 4)
    else
      Result := Result + C;
  end;
  Result := Result + '"';
end;

{ A whole number from 1 to Max, or -1. }
function ParsePositive(const Text: string; Max: Int64): Int64;
var
  I: Integer;
begin
  Result := -1;
  if (Text = '') or (Length(Text) > 18) then
    Exit;
  for I := 1 to Length(Text) do
    if (Text[I] < '0') or (Text[I] > '9') then
      Exit;
  Result := StrToInt64(Text);
  if (Result < 1) or (Result > Max) then
    Result := -1;
end;

function OpenClient(out Client: TMpClient): Integer;
var
  Token, BaseUrl, Poll, Options: string;
  PollMs: Int64;
begin
  Client := nil;
  Token := GetEnvironmentVariable('MP_ACCESS_TOKEN');
  BaseUrl := GetEnvironmentVariable('MP_BASE_URL');
  Poll := GetEnvironmentVariable('MP_POLL_INTERVAL_MS');
  if Token = '' then
  begin
    WriteLn(ErrOutput, 'sale: set MP_ACCESS_TOKEN to the seller''s access token');
    Result := EXIT_USAGE;
    Exit;
  end;
  if BaseUrl = '' then
    Client := TMpClient.Create(Token)
  else
  begin
    Options := '{"access_token":' + JsonQuote(Token) + ',"base_url":' + JsonQuote(BaseUrl);
    if Poll <> '' then
    begin
      PollMs := ParsePositive(Poll, 3600000);
      if PollMs < 0 then
      begin
        WriteLn(ErrOutput, 'sale: MP_POLL_INTERVAL_MS must be a number of milliseconds');
        Result := EXIT_USAGE;
        Exit;
      end;
      Options := Options + ',"poll_interval_ms":' + IntToStr(PollMs);
    end;
    Client := TMpClient.CreateWithOptions(Options + '}');
  end;
  Result := EXIT_FINAL;
end;

{ Prints the linked terminals; returns the first one's id ('' if none). }
function ListDevices(Client: TMpClient): string;
var
  Devices, Id, Mode: string;
  I: Integer;
begin
  Result := '';
  Devices := Client.ListDevices;
  WriteLn('devices:');
  I := 0;
  while MpJsonTryGet(Devices, 'devices.' + IntToStr(I) + '.id', Id) do
  begin
    { Older answers may omit operating_mode; only terminals in PDV mode take intents. }
    if not MpJsonTryGet(Devices, 'devices.' + IntToStr(I) + '.operating_mode', Mode) then
      Mode := 'mode unknown';
    WriteLn('  ', Id, ' (', Mode, ')');
    if Result = '' then
      Result := Id;
    Inc(I);
  end;
end;

{ A field of a JSON text, '' when absent or null (canceled intents carry no payment). }
function Field(const Json, Path: string): string;
begin
  if not MpJsonTryGet(Json, Path, Result) or (Result = 'null') then
    Result := '';
end;

{ The receipt's data comes from the Payments API; amounts there are decimals, printed as
  text. A failure here does not undo the sale: the receipt can be printed later. }
procedure PrintReceipt(Client: TMpClient; const PaymentId: string);
const
  Paths: array[0..5] of string = ('payment_method_id', 'card.last_four_digits',
    'installments', 'authorization_code', 'transaction_amount', 'status_detail');
  Labels: array[0..5] of string = ('card', 'last four digits', 'installments',
    'authorization code', 'amount', 'status detail');
var
  Payment, Value: string;
  I: Integer;
begin
  try
    Payment := Client.GetPayment(PaymentId);
  except
    on E: EMpPointError do
    begin
      if E.HttpStatus = 404 then
        WriteLn('receipt: not available: the service answered 404 for payment ', PaymentId,
          ' (', E.LastError, '); continuing without it')
      else
        ReportFailure('reading the payment for the receipt', E);
      Exit;
    end;
  end;
  for I := Low(Paths) to High(Paths) do
  begin
    Value := Field(Payment, Paths[I]);
    if Value <> '' then
      WriteLn('receipt ', Labels[I], ': ', Value);
  end;
end;

{ The idempotency key is made from the payment id, so running this twice never refunds
  twice. }
function RefundPayment(Client: TMpClient; const Device, PaymentId: string): Integer;
var
  Refund, RefundId, RefundJson: string;
  State: TMpIntentState;
  Status: TMpStatus;
  Progress: TSaleProgress;
begin
  Result := EXIT_FINAL;
  Progress := TSaleProgress.Create;
  try
    try
      Refund := Client.CreateRefund(Device, PaymentId, '', 'refund-' + PaymentId);
      RefundId := MpJsonGet(Refund, 'id');
      WriteLn('refund ', RefundId, ' created');
      Status := Client.WaitRefund(RefundId, WAIT_TIMEOUT_MS, Progress.Progress, State,
        RefundJson);
      if Status = MP_STATUS_OK then
        WriteLn('refund: ', MpIntentStateName(State))
      else
      begin
        WriteLn(ErrOutput, 'sale: stopped waiting for the refund: ', MpStatusName(Status));
        Result := EXIT_NOT_FINAL;
      end;
    except
      on E: EMpPointError do
      begin
        ReportFailure('refunding', E);
        Result := EXIT_LIBRARY;
      end;
    end;
  finally
    Progress.Free;
  end;
end;

{ Prints the outcome; FINISHED only means the terminal is done: the card may have been
  declined, so the goods go only with an approved payment. }
procedure PrintOutcome(State: TMpIntentState; const IntentJson: string);
var
  PaymentId, PaymentState, Reference: string;
begin
  WriteLn('result: ', MpIntentStateName(State));
  Reference := Field(IntentJson, 'additional_info.external_reference');
  if Reference <> '' then
    WriteLn('external reference: ', Reference);
  PaymentId := Field(IntentJson, 'payment.id');
  PaymentState := '';
  if PaymentId <> '' then
  begin
    WriteLn('payment id: ', PaymentId);
    PaymentState := Field(IntentJson, 'payment.state');
    if PaymentState <> '' then
      WriteLn('payment state: ', PaymentState);
  end
  else
    WriteLn('payment: none');
  if (State = MP_INTENT_STATE_FINISHED) and (PaymentState = 'approved') then
    WriteLn('-> approved: hand over the goods, keep the payment id for refunds')
  else if State = MP_INTENT_STATE_CONFIRMATION_REQUIRED then
    WriteLn('-> look at the terminal''s screen before handing over the goods')
  else
    WriteLn('-> not paid: ask for another card or another payment method');
end;

function Run: Integer;
var
  I: Integer;
  DeviceArg, Device, ExternalReference, IntentId, IntentJson, PaymentId: string;
  WantCancel, WantRefund: Boolean;
  Amount: Int64;
  Client: TMpClient;
  Progress: TSaleProgress;
  State: TMpIntentState;
  Status: TMpStatus;
begin
  DeviceArg := '';
  WantCancel := False;
  WantRefund := False;
  I := 1;
  while (I <= ParamCount) and (Copy(ParamStr(I), 1, 2) = '--') do
  begin
    if (ParamStr(I) = '--device') and (I < ParamCount) then
    begin
      Inc(I);
      DeviceArg := ParamStr(I);
    end
    else if ParamStr(I) = '--cancel' then
      WantCancel := True
    else if ParamStr(I) = '--refund' then
      WantRefund := True
    else
    begin
      Usage;
      Result := EXIT_USAGE;
      Exit;
    end;
    Inc(I);
  end;
  if (ParamCount - I + 1 < 1) or (ParamCount - I + 1 > 2) then
  begin
    Usage;
    Result := EXIT_USAGE;
    Exit;
  end;
  Amount := ParsePositive(ParamStr(I), 999999999999);
  if Amount < 0 then
  begin
    Usage;
    Result := EXIT_USAGE;
    Exit;
  end;
  ExternalReference := '';
  if ParamCount - I + 1 = 2 then
    ExternalReference := ParamStr(I + 1);

  { Catch a unit/library mismatch before touching any money. }
  try
    MpCheckVersion;
  except
    on E: EMpPointVersionError do
    begin
      WriteLn(ErrOutput, 'sale: ', E.Message);
      Result := EXIT_USAGE;
      Exit;
    end;
  end;
  WriteLn('mppoint ', MpVersion);

  Client := nil;
  Progress := TSaleProgress.Create;
  try
    try
      Result := OpenClient(Client);
      if Result <> EXIT_FINAL then
        Exit;
      if GetEnvironmentVariable('MP_DEBUG') <> '' then
        Client.SetLogCallback(Progress.Log, MP_LOG_LEVEL_DEBUG);

      Device := ListDevices(Client);
      if Device = '' then
      begin
        WriteLn(ErrOutput, 'sale: no Point terminal is linked to this account');
        Result := EXIT_LIBRARY;
        Exit;
      end;
      if DeviceArg <> '' then
        Device := DeviceArg;
      WriteLn('using device ', Device);

      try
        IntentId := Client.CreateIntentSimple(Device, Amount, ExternalReference, True);
      except
        on E: EMpPointError do
        begin
          ReportFailure('creating the payment intent', E);
          if E.Status = MP_STATUS_DEVICE_BUSY then
            WriteLn(ErrOutput, 'sale: the terminal still has a pending payment: finish or ' +
              'cancel it there first');
          Result := EXIT_LIBRARY;
          Exit;
        end;
      end;
      WriteLn('intent ', IntentId, ' created');

      if WantCancel then
      begin
        { Only until the terminal takes the intent; we keep waiting either way, because the
          register must learn how the intent really ended. }
        try
          Client.CancelIntent(Device, IntentId);
          WriteLn('cancel: accepted');
        except
          on E: EMpPointError do
            if E.Status = MP_STATUS_INTENT_LOCKED then
              WriteLn('cancel: the intent is already on the terminal; cancel it there')
            else
            begin
              ReportFailure('cancelling', E);
              Result := EXIT_LIBRARY;
            end;
        end;
      end;

      CatchInterrupt(True);
      try
        Status := Client.WaitIntent(IntentId, WAIT_TIMEOUT_MS, Progress.Progress, State,
          IntentJson);
      finally
        CatchInterrupt(False);
      end;
      if Status = MP_STATUS_OK then
      begin
        PrintOutcome(State, IntentJson);
        PaymentId := Field(IntentJson, 'payment.id');
        if (State = MP_INTENT_STATE_FINISHED) and (PaymentId <> '') and
          (Field(IntentJson, 'payment.state') = 'approved') then
        begin
          PrintReceipt(Client, PaymentId);
          if WantRefund and (Result = EXIT_FINAL) then
            Result := RefundPayment(Client, Device, PaymentId);
        end;
      end
      else
      begin
        { Timed out or Ctrl-C: the intent still exists and may yet be paid; left pending it
          would also block the terminal, so try to cancel. If the terminal has it already,
          the cashier finishes it there and the register reconciles later. }
        WriteLn('stopped waiting while the intent was ', MpIntentStateName(State));
        try
          Client.CancelIntent(Device, IntentId);
          WriteLn('the intent was cancelled');
        except
          on E: EMpPointError do
            WriteLn('could not cancel it here: check the terminal and reconcile intent ',
              IntentId);
        end;
        Result := EXIT_NOT_FINAL;
      end;
    except
      on E: EMpPointError do
      begin
        ReportFailure(E.FunctionName, E);
        Result := EXIT_LIBRARY;
      end;
    end;
  finally
    Client.Free;
    Progress.Free;
  end;
end;

begin
  ExitCode := Run;
end.
