Attribute VB_Name = "MpPoint"
' MpPoint.bas - mppoint for Visual Basic 6 (and VBA on 32-bit Office).
'
' Add this module and MpPointApi.bas to the project. VB6's Declare can only call stdcall
' functions, so MpPointApi.bas (generated from the library's sources by `make generate`) declares
' the stdcall twins that the 32-bit mppoint.dll exports for every function of point.h: each
' Declare is named after the C function and calls its `<name>_std` export (Alias), and it holds
' point.h's constants. Use the 32-bit DLL: x86 for Windows 10/11, x86-win7 for Windows 7 /
' POSReady 7. Put mppoint.dll beside the .exe (or in the folder of the VB6 IDE while developing).
'
' point.h is the reference for every function. Translation rules used by the Declares:
'   - const char * (text in)   ByVal Long: a pointer to NUL-terminated UTF-8 bytes. Make them with
'                              Utf8() and pass VarPtr(bytes(0)); pass 0& for NULL. Never pass a VB
'                              String ByVal: VB converts it to the ANSI code page, not UTF-8.
'   - char ** (text out)       ByRef Long: receives a pointer on MP_STATUS_OK. TakeString() turns it
'                              into a VB String and frees it with mp_string_free (never skip that).
'   - const char * returned    Long: a pointer the library owns (mp_version, mp_last_error, the
'                              *_name functions): read it with FromUtf8(), never free it.
'   - MpClient *               Long (the handle); MpIntentState * is ByRef Long.
'   - int32_t, uint32_t, enums Long. Flags are 0 or 1.
'   - int64_t                  Currency: VB6 has no 64-bit integer, and a Currency holds the same
'                              64 bits scaled by 10000, so amount 1500 (15.00) is passed as
'                              MinorUnits(1500) = 0.15@. The wrappers below do it for you.
'   - callbacks                AddressOf a Public Function in a .bas module (VB6 procedures are
'                              stdcall): see ExampleWaitProgress and ExampleLog below.
'
' The wrappers below (MpInit, MpListDevices, MpCreateIntentSimple, MpCreateIntentKeyed,
' MpWaitIntent, MpCreateRefundKeyed, MpRecoverWithProgress, MpAcknowledgeReport, MpDeviceClear,
' MpJsonGet, ...) do the conversions and return the MpStatus; text comes back in ByRef Strings.
Option Explicit

' ---- UTF-8 <-> VB Strings ---------------------------------------------------------------------
Private Const CP_UTF8 As Long = 65001
Private Declare Function MultiByteToWideChar Lib "kernel32" (ByVal CodePage As Long, ByVal dwFlags As Long, ByVal lpMultiByteStr As Long, ByVal cbMultiByte As Long, ByVal lpWideCharStr As Long, ByVal cchWideChar As Long) As Long
Private Declare Function WideCharToMultiByte Lib "kernel32" (ByVal CodePage As Long, ByVal dwFlags As Long, ByVal lpWideCharStr As Long, ByVal cchWideChar As Long, ByVal lpMultiByteStr As Long, ByVal cbMultiByte As Long, ByVal lpDefaultChar As Long, ByVal lpUsedDefaultChar As Long) As Long
Private Declare Function lstrlenA Lib "kernel32" (ByVal lpString As Long) As Long

' The UTF-8 bytes of s followed by a NUL: pass VarPtr(result(0)) where point.h wants a const char *.
' Keep the array in a variable until the call returns.
Public Function Utf8(ByVal s As String) As Byte()
    Dim n As Long
    Dim b() As Byte
    n = WideCharToMultiByte(CP_UTF8, 0, StrPtr(s), Len(s), 0, 0, 0, 0)
    ReDim b(0 To n) ' n bytes and the NUL (ReDim fills with zeros)
    If n > 0 Then WideCharToMultiByte CP_UTF8, 0, StrPtr(s), Len(s), VarPtr(b(0)), n, 0, 0
    Utf8 = b
End Function

' The text of a NUL-terminated UTF-8 string the library returned ("" for a NULL pointer). Does
' not free it: use it for mp_version, mp_last_error and the *_name functions.
Public Function FromUtf8(ByVal p As Long) As String
    Dim n As Long
    Dim chars As Long
    Dim s As String
    If p = 0 Then Exit Function
    n = lstrlenA(p)
    If n = 0 Then Exit Function
    chars = MultiByteToWideChar(CP_UTF8, 0, p, n, 0, 0)
    s = String$(chars, vbNullChar)
    MultiByteToWideChar CP_UTF8, 0, p, n, StrPtr(s), chars
    FromUtf8 = s
End Function

' The text of a string returned through a char ** parameter; frees it with mp_string_free and
' sets p to 0, so it cannot be freed twice.
Public Function TakeString(ByRef p As Long) As String
    If p = 0 Then Exit Function
    TakeString = FromUtf8(p)
    mp_string_free p
    p = 0
End Function

' An amount in minor units (1500 = 15.00) as the Currency whose 64 bits are that integer: how an
' int64_t parameter is passed from VB6.
Public Function MinorUnits(ByVal amount As Long) As Currency
    MinorUnits = CCur(amount) / 10000@
End Function

' ---- Wrappers: VB Strings in and out; each returns the MpStatus ------------------------------

' The loaded DLL's version, e.g. "0.4.0". Check it at start-up: a DLL can serve this module if it
' has MP_VERSION_MAJOR and a minor of at least MP_VERSION_MINOR (a minor only adds to the
' interface); an older minor may lack functions the module declares, another major may differ.
Public Function MpVersion() As String
    MpVersion = FromUtf8(mp_version())
End Function

' Why the last call on this thread failed ("" if it succeeded). Call it right after the failure.
Public Function MpLastError() As String
    MpLastError = FromUtf8(mp_last_error())
End Function

' The idempotency key the last create sent. After MP_STATUS_OUTCOME_UNKNOWN the intent may
' exist: send the same create again with this key (never a new one).
Public Function MpLastIdempotencyKey() As String
    MpLastIdempotencyKey = FromUtf8(mp_last_idempotency_key())
End Function

Public Function MpStatusName(ByVal status As Long) As String
    MpStatusName = FromUtf8(mp_status_name(status))
End Function

Public Function MpIntentStateName(ByVal state As Long) As String
    MpIntentStateName = FromUtf8(mp_intent_state_name(state))
End Function

Public Function MpInit(ByVal accessToken As String, ByRef client As Long) As Long
    Dim t() As Byte
    t = Utf8(accessToken)
    MpInit = mp_init(VarPtr(t(0)), client)
End Function

' optionsJson as in mp_init_with_options, e.g. {"access_token":"TEST-...","timeout_ms":30000}.
' Among its keys: "api" ("integration", the default, or "orders": the Orders API, which new
' integrations must use), "journal_path" (a file recording every step of every sale, so that
' MpRecover settles after a crash what was in flight) and "journal_retention_days" (30). Quote
' text values with MpJsonQuote, e.g. for a journal on the POS's disk:
'   opts = "{""access_token"":" & MpJsonQuote(token) & ",""api"":""orders"""
'   opts = opts & ",""journal_path"":" & MpJsonQuote("C:\POS\mppoint-journal.db") & "}"
Public Function MpInitWithOptions(ByVal optionsJson As String, ByRef client As Long) As Long
    Dim o() As Byte
    o = Utf8(optionsJson)
    MpInitWithOptions = mp_init_with_options(VarPtr(o(0)), client)
End Function

Public Function MpListDevices(ByVal client As Long, ByRef json As String) As Long
    Dim p As Long
    MpListDevices = mp_list_devices(client, 0, p)
    If MpListDevices = MP_STATUS_OK Then json = TakeString(p)
End Function

' amount in minor units (1500 = 15.00); externalReference vbNullString for none.
Public Function MpCreateIntentSimple(ByVal client As Long, ByVal deviceId As String, ByVal amount As Long, ByVal externalReference As String, ByVal printOnTerminal As Boolean, ByRef intentId As String) As Long
    Dim d() As Byte
    Dim r() As Byte
    Dim refPtr As Long
    Dim p As Long
    d = Utf8(deviceId)
    If StrPtr(externalReference) <> 0 Then
        r = Utf8(externalReference)
        refPtr = VarPtr(r(0))
    End If
    MpCreateIntentSimple = mp_create_intent_simple(client, VarPtr(d(0)), MinorUnits(amount), refPtr, IIf(printOnTerminal, 1, 0), p)
    If MpCreateIntentSimple = MP_STATUS_OK Then intentId = TakeString(p)
End Function

' MpCreateIntentSimple with your own idempotency key (mp_create_intent_keyed; vbNullString for a
' new one): 1-128 visible ASCII characters (at most 64 with the Orders API), e.g. "T-1001-1".
' Store it with the ticket before the call; after MP_STATUS_OUTCOME_UNKNOWN (or a crash) call this
' again with the same arguments and key: it returns the intent the service made for that key, or
' makes it once. Never a new key while the first may exist.
Public Function MpCreateIntentKeyed(ByVal client As Long, ByVal deviceId As String, ByVal amount As Long, ByVal externalReference As String, ByVal printOnTerminal As Boolean, ByVal idempotencyKey As String, ByRef intentId As String) As Long
    Dim d() As Byte
    Dim r() As Byte
    Dim k() As Byte
    Dim refPtr As Long
    Dim keyPtr As Long
    Dim p As Long
    d = Utf8(deviceId)
    If StrPtr(externalReference) <> 0 Then
        r = Utf8(externalReference)
        refPtr = VarPtr(r(0))
    End If
    If StrPtr(idempotencyKey) <> 0 Then
        k = Utf8(idempotencyKey)
        keyPtr = VarPtr(k(0))
    End If
    MpCreateIntentKeyed = mp_create_intent_keyed(client, VarPtr(d(0)), MinorUnits(amount), refPtr, IIf(printOnTerminal, 1, 0), keyPtr, p)
    If MpCreateIntentKeyed = MP_STATUS_OK Then intentId = TakeString(p)
End Function

Public Function MpIntentStatus(ByVal client As Long, ByVal intentId As String, ByRef state As Long, ByRef json As String) As Long
    Dim i() As Byte
    Dim p As Long
    i = Utf8(intentId)
    MpIntentStatus = mp_intent_status(client, VarPtr(i(0)), state, p)
    If MpIntentStatus = MP_STATUS_OK Then json = TakeString(p)
End Function

Public Function MpCancelIntent(ByVal client As Long, ByVal deviceId As String, ByVal intentId As String) As Long
    Dim d() As Byte
    Dim i() As Byte
    Dim p As Long
    d = Utf8(deviceId)
    i = Utf8(intentId)
    MpCancelIntent = mp_cancel_intent(client, VarPtr(d(0)), VarPtr(i(0)), p)
    TakeString p
End Function

' callback: 0, or AddressOf a function shaped like ExampleWaitProgress. On MP_STATUS_OK,
' MP_STATUS_WAIT_TIMEOUT and MP_STATUS_ABORTED, state and json hold the last state seen.
Public Function MpWaitIntent(ByVal client As Long, ByVal intentId As String, ByVal timeoutMs As Long, ByVal callback As Long, ByVal userData As Long, ByRef state As Long, ByRef json As String) As Long
    Dim i() As Byte
    Dim p As Long
    i = Utf8(intentId)
    MpWaitIntent = mp_wait_intent(client, VarPtr(i(0)), timeoutMs, callback, userData, state, p)
    json = TakeString(p)
End Function

' After a crash, at start-up and before taking new sales: settles every sale and refund of the
' journal (the client's "journal_path") whose process has ended, and returns in json
' {"sales":[entry...],"tickets":[{"ticket","verdict","payment_id","payment_ids","entries":[...]}]}.
' Act per ticket (a sale's external reference): "tickets.0.verdict" is "paid" ("tickets.0.payment_id":
' never sell it again), "not_paid" (it may be sold again), "pending" (call MpRecover again later),
' "paid_twice" ("tickets.0.payment_ids": refund all but one), "refunded" or "check_terminal" (look
' at the terminal). An entry (of "sales" and of each ticket's "entries") has "idempotency_key",
' "intent_id", "kind", "device_id", "amount", "external_reference", "ticket", "payment_id",
' "state", "payment", "acknowledged", "created_at_ms" and "resolution": "finished" (final by
' itself: hand over the goods only on "payment.state" "approved"), "canceled" (it was still OPEN
' and was voided), "never_created", "refused" (the service refused the create: nothing was made)
' or "pending" ("sales" keeps 0.3's words: a refused create is "never_created" there, with
' "refused": true). Read them with MpJsonGet. timeoutMs: how long it may wait, in all, for sales still
' on a terminal (0 reads each once). Calling it twice gives the same answer, until
' MpAcknowledgeReport. MP_STATUS_INVALID_ARGUMENT without a journal, MP_STATUS_JOURNAL if the
' journal cannot be read or written.
Public Function MpRecover(ByVal client As Long, ByVal timeoutMs As Long, ByRef json As String) As Long
    Dim p As Long
    MpRecover = mp_recover(client, timeoutMs, p)
    If MpRecover = MP_STATUS_OK Then json = TakeString(p)
End Function

' MpRecover with progress, for a start-up screen: callback is 0, or AddressOf a function shaped
' like ExampleRecoverProgress, called on VB6's thread before each unfinished entry is settled (with
' its entry's JSON) and after every read while recovery waits for a sale on a terminal. It returns
' 1 to stop: nothing more is sent, what is not settled yet is reported "pending", and the call
' still returns MP_STATUS_OK with the report.
Public Function MpRecoverWithProgress(ByVal client As Long, ByVal timeoutMs As Long, ByVal callback As Long, ByVal userData As Long, ByRef json As String) As Long
    Dim p As Long
    MpRecoverWithProgress = mp_recover_with_progress(client, timeoutMs, callback, userData, p)
    If MpRecoverWithProgress = MP_STATUS_OK Then json = TakeString(p)
End Function

' The POS has recorded the outcome of one journal entry (its "idempotency_key"): MpRecover no
' longer reports it. MP_STATUS_NOT_FOUND for a key the journal lacks, MP_STATUS_INVALID_ARGUMENT
' for an entry not settled yet (or without a journal). Twice is fine.
Public Function MpAcknowledge(ByVal client As Long, ByVal idempotencyKey As String) As Long
    Dim k() As Byte
    k = Utf8(idempotencyKey)
    MpAcknowledge = mp_acknowledge(client, VarPtr(k(0)))
End Function

' Acknowledges every settled entry of a report of MpRecover (its json, as it came): call it once
' the POS has recorded each ticket's verdict. Entries still "pending" are reported again.
Public Function MpAcknowledgeReport(ByVal client As Long, ByVal reportJson As String) As Long
    Dim r() As Byte
    r = Utf8(reportJson)
    MpAcknowledgeReport = mp_acknowledge_report(client, VarPtr(r(0)))
End Function

' What this journal has unfinished on a terminal, without a request: json is
' {"device_id","holds":[entry...]}, entries as in MpRecover plus "process_running" (a process
' still follows it, this one or another). MP_STATUS_INVALID_ARGUMENT without a journal.
Public Function MpDeviceHolds(ByVal client As Long, ByVal deviceId As String, ByRef json As String) As Long
    Dim d() As Byte
    Dim p As Long
    d = Utf8(deviceId)
    MpDeviceHolds = mp_device_holds(client, VarPtr(d(0)), p)
    If MpDeviceHolds = MP_STATUS_OK Then json = TakeString(p)
End Function

' Frees a terminal safely of what this journal has on it: cancels what is still OPEN, records what
' is final, never touches what the terminal has taken. json is
' {"device_id","free","cleared":[entry...],"holding":[entry...]}; "free" is true when nothing of
' this journal holds it any more.
Public Function MpDeviceClear(ByVal client As Long, ByVal deviceId As String, ByRef json As String) As Long
    Dim d() As Byte
    Dim p As Long
    d = Utf8(deviceId)
    MpDeviceClear = mp_device_clear(client, VarPtr(d(0)), p)
    If MpDeviceClear = MP_STATUS_OK Then json = TakeString(p)
End Function

Public Function MpGetPayment(ByVal client As Long, ByVal paymentId As String, ByRef json As String) As Long
    Dim i() As Byte
    Dim p As Long
    i = Utf8(paymentId)
    MpGetPayment = mp_get_payment(client, VarPtr(i(0)), p)
    If MpGetPayment = MP_STATUS_OK Then json = TakeString(p)
End Function

' refundJson and idempotencyKey: vbNullString for none.
Public Function MpCreateRefund(ByVal client As Long, ByVal deviceId As String, ByVal paymentId As String, ByVal refundJson As String, ByVal idempotencyKey As String, ByRef json As String) As Long
    Dim d() As Byte
    Dim i() As Byte
    Dim r() As Byte
    Dim k() As Byte
    Dim refundPtr As Long
    Dim keyPtr As Long
    Dim p As Long
    d = Utf8(deviceId)
    i = Utf8(paymentId)
    If StrPtr(refundJson) <> 0 Then
        r = Utf8(refundJson)
        refundPtr = VarPtr(r(0))
    End If
    If StrPtr(idempotencyKey) <> 0 Then
        k = Utf8(idempotencyKey)
        keyPtr = VarPtr(k(0))
    End If
    MpCreateRefund = mp_create_refund(client, VarPtr(d(0)), VarPtr(i(0)), refundPtr, keyPtr, p)
    If MpCreateRefund = MP_STATUS_OK Then json = TakeString(p)
End Function

' A refund from plain values (mp_create_refund_keyed); refundId receives its id, to follow with
' MpWaitRefund. paymentId: the payment's number with the Point Integration API, the sale's order id
' (ORD...) with the Orders API. amount: 0 refunds the whole payment (with the Orders API, what is
' left of it); more than 0, that many minor units (a partial refund: Orders API only, else
' MP_STATUS_UNSUPPORTED, nothing sent). idempotencyKey: vbNullString for a new one, or your own as
' in MpCreateIntentKeyed: the resend after MP_STATUS_OUTCOME_UNKNOWN is the same call.
Public Function MpCreateRefundKeyed(ByVal client As Long, ByVal deviceId As String, ByVal paymentId As String, ByVal amount As Long, ByVal idempotencyKey As String, ByRef refundId As String) As Long
    Dim d() As Byte
    Dim i() As Byte
    Dim k() As Byte
    Dim keyPtr As Long
    Dim p As Long
    d = Utf8(deviceId)
    i = Utf8(paymentId)
    If StrPtr(idempotencyKey) <> 0 Then
        k = Utf8(idempotencyKey)
        keyPtr = VarPtr(k(0))
    End If
    MpCreateRefundKeyed = mp_create_refund_keyed(client, VarPtr(d(0)), VarPtr(i(0)), MinorUnits(amount), keyPtr, p)
    If MpCreateRefundKeyed = MP_STATUS_OK Then refundId = TakeString(p)
End Function

Public Function MpWaitRefund(ByVal client As Long, ByVal refundId As String, ByVal timeoutMs As Long, ByVal callback As Long, ByVal userData As Long, ByRef state As Long, ByRef json As String) As Long
    Dim i() As Byte
    Dim p As Long
    i = Utf8(refundId)
    MpWaitRefund = mp_wait_refund(client, VarPtr(i(0)), timeoutMs, callback, userData, state, p)
    json = TakeString(p)
End Function

' One value out of a JSON text (path like "payment.id" or "devices.0.id"); numbers come out as
' text with every digit, so keep amounts as text or Currency, never Single/Double.
Public Function MpJsonGet(ByVal json As String, ByVal path As String, ByRef value As String) As Long
    Dim j() As Byte
    Dim k() As Byte
    Dim p As Long
    j = Utf8(json)
    k = Utf8(path)
    MpJsonGet = mp_json_get(VarPtr(j(0)), VarPtr(k(0)), p)
    If MpJsonGet = MP_STATUS_OK Then value = TakeString(p)
End Function

' text as a JSON string literal, quotes included, with quotes, backslashes and control characters
' escaped: for the values of the options and bodies you build, e.g. a Windows path. The same JSON
' as the library's mp_json_quote, written here in VB (a vbNullChar becomes \u0000).
Public Function MpJsonQuote(ByVal text As String) As String
    Dim i As Long
    Dim c As Long
    Dim s As String
    s = Chr$(34)
    For i = 1 To Len(text)
        c = AscW(Mid$(text, i, 1))
        Select Case c
        Case 34: s = s & "\"""
        Case 92: s = s & "\\"
        Case 10: s = s & "\n"
        Case 13: s = s & "\r"
        Case 9: s = s & "\t"
        Case 0 To 31, 127: s = s & "\u00" & Right$("0" & Hex$(c), 2)
        Case Else: s = s & Mid$(text, i, 1)
        End Select
    Next i
    MpJsonQuote = s & Chr$(34)
End Function

Public Function MpSignChallenge(ByVal secret As String, ByVal challengeCode As String, ByRef hexDigest As String) As Long
    Dim s() As Byte
    Dim c() As Byte
    Dim p As Long
    s = Utf8(secret)
    c = Utf8(challengeCode)
    MpSignChallenge = mp_sign_challenge(VarPtr(s(0)), VarPtr(c(0)), p)
    If MpSignChallenge = MP_STATUS_OK Then hexDigest = TakeString(p)
End Function

' toleranceS in seconds (0: no time check); nowUnixS 0 uses the system clock.
Public Function MpVerifySignature(ByVal secret As String, ByVal xSignature As String, ByVal xRequestId As String, ByVal dataId As String, ByVal toleranceS As Long, ByVal nowUnixS As Long) As Long
    Dim s() As Byte
    Dim x() As Byte
    Dim r() As Byte
    Dim d() As Byte
    s = Utf8(secret)
    x = Utf8(xSignature)
    r = Utf8(xRequestId)
    d = Utf8(dataId)
    MpVerifySignature = mp_verify_signature(VarPtr(s(0)), VarPtr(x(0)), VarPtr(r(0)), VarPtr(d(0)), MinorUnits(toleranceS), MinorUnits(nowUnixS))
End Function

Public Function MpParseNotification(ByVal body As String, ByRef state As Long, ByRef json As String) As Long
    Dim b() As Byte
    Dim p As Long
    b = Utf8(body)
    MpParseNotification = mp_parse_notification(VarPtr(b(0)), state, p)
    If MpParseNotification = MP_STATUS_OK Then json = TakeString(p)
End Function

' ---- Callbacks -------------------------------------------------------------------------------
' Shapes to copy. They run on the thread that called mp_wait_intent (VB6's own thread), so they
' may update the form; keep them short and never raise an error out of them.

' For mp_wait_intent / mp_wait_refund: return 0 to keep waiting, 1 to stop (MP_STATUS_ABORTED).
Public Function ExampleWaitProgress(ByVal userData As Long, ByVal state As Long, ByVal intentJson As Long) As Long
    Debug.Print "state: " & MpIntentStateName(state)
    ExampleWaitProgress = 0
End Function

' For MpRecoverWithProgress: the same shape. intentJson is the entry about to be settled (it has a
' "ticket") or the sale recovery waits on; return 0 to go on, 1 to stop recovery.
Public Function ExampleRecoverProgress(ByVal userData As Long, ByVal state As Long, ByVal intentJson As Long) As Long
    Dim ticket As String
    If MpJsonGet(FromUtf8(intentJson), "ticket", ticket) = MP_STATUS_OK Then Debug.Print "settling ticket " & ticket
    ExampleRecoverProgress = 0
End Function

' For mp_set_log_callback(client, AddressOf ExampleLog, 0, MP_LOG_LEVEL_INFO). Log lines may come
' from other threads if other threads use the client: VB6 code cannot run there, so only set a
' log callback when the client is used from VB6's thread alone.
Public Sub ExampleLog(ByVal userData As Long, ByVal level As Long, ByVal message As Long)
    Debug.Print "[mppoint] " & FromUtf8(message)
End Sub
