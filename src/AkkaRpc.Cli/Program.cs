using System.CommandLine;
using AkkaRpc.Cli.Commands;

// akkarpc: the operator's command line. Exit codes: 0 done, 1 verify found a mismatch, 2 bad input or refused
// (the message says what is wrong; nothing was changed), 3 the gateway did not answer, 10 + n a call answered with
// status code n (see CliErrors).
var root = new RootCommand("AkkaRpc operations: status, call and bench through a node's gateway; backup, export, restore, import and verify the journal.")
{
    StatusCommand.Create(),
    CallCommand.Create(),
    BenchCommand.Create(),
    BackupCommand.Create(),
    ExportCommand.Create(),
    RestoreCommand.Create(import: false),
    RestoreCommand.Create(import: true),
    VerifyCommand.Create(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
{
    // Usage errors exit 2 like every other bad input, so 1 keeps meaning "verify found a mismatch".
    foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync($"akkarpc: error: {error.Message}");
    await Console.Error.WriteLineAsync("akkarpc: see akkarpc --help");
    return 2;
}
return await parsed.InvokeAsync();
