#!/usr/bin/env perl
# Prints each failed test of a .trx file (dotnet test's results) with its message and the last lines it wrote.
# scripts/test.sh runs it just before its summary line: CI shows only the end of a run's output, and a failure
# that scrolled away there cannot be diagnosed. The details (message, our stack frames, last output lines) come
# first and a short list of the failed tests' names and first message lines comes last, so that a tail too short
# for the details still names what failed. Plain Perl (perl-base is on every Debian), no XML module.
use strict;
use warnings;

local $/;
my $trx = <>;
my @summary;
# A passed test with no output is a self-closing element; only results with a body can carry a message.
while ($trx =~ /<UnitTestResult\b([^>]*[^\/>])>(.*?)<\/UnitTestResult>/sg) {
  my ($attributes, $body) = ($1, $2);
  next unless $attributes =~ /outcome="Failed"/;
  my ($name) = $attributes =~ /testName="([^"]*)"/;
  my ($message) = $body =~ /<Message>(.*?)<\/Message>/s;
  my ($stack) = $body =~ /<StackTrace>(.*?)<\/StackTrace>/s;
  my ($stdout) = $body =~ /<StdOut>(.*?)<\/StdOut>/s;
  for ($name, $message, $stack, $stdout) {
    next unless defined;
    s/&#xD;//g; s/&#xA;/\n/g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'/g; s/&amp;/&/g;
  }
  my @message = grep { length } split /\n/, ($message // "(no message)");
  splice @message, 8 if @message > 8;
  # The frames in our own code say where it failed; the framework's frames only repeat it.
  my @frames = grep { /AkkaRpc/ } split /\n/, ($stack // "");
  splice @frames, 4 if @frames > 4;
  my @output = grep { length } split /\n/, ($stdout // "");
  splice @output, 0, @output - 60 if @output > 60;
  $name //= "(unnamed test)";
  my $first = $message[0] // "";
  $first = substr($first, 0, 300) . " ..." if length $first > 300;
  push @summary, "  $name\n      $first\n";
  print "failed: $name\n";
  print map({ "    $_\n" } @message, @frames);
  print "  its last output lines:\n", map({ "    | $_\n" } @output) if @output;
}
print "failed tests (details above):\n", @summary if @summary;
