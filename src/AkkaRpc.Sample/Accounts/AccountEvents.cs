using MessagePack;

namespace AkkaRpc.Sample.Accounts;

/// <summary>The account was opened.</summary>
/// <param name="Owner">The owner's name.</param>
[WireType("accounts.Opened"), MessagePackObject]
public sealed record AccountOpened([property: Key(0)] string Owner) : IRpcMessage;

/// <summary>Money came in.</summary>
/// <param name="Amount">Minor units, positive.</param>
[WireType("accounts.Deposited"), MessagePackObject]
public sealed record MoneyDeposited([property: Key(0)] long Amount) : IRpcMessage;

/// <summary>Money went out.</summary>
/// <param name="Amount">Minor units, positive.</param>
[WireType("accounts.Withdrawn"), MessagePackObject]
public sealed record MoneyWithdrawn([property: Key(0)] long Amount) : IRpcMessage;
