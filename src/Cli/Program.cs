using Omnibus.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
