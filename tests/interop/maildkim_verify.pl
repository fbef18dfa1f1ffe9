#!/usr/bin/perl
# maildkim_verify.pl: verifies every DKIM-Signature of a message with
# Mail::DKIM::Verifier (Debian's libmail-dkim-perl), offline: key records
# come from the command line instead of DNS.
#
#   perl maildkim_verify.pl MESSAGE NAME=TXTVALUE...
#   perl maildkim_verify.pl signed.eml 'sel._domainkey.example.com=v=DKIM1; p=...'
#
# MESSAGE is a file or - for standard input. Each NAME=TXTVALUE is one TXT
# record (the text after the first '='); a name not given is NXDOMAIN.
# Prints one line per signature, "N d=... s=... a=...: RESULT (detail)", with
# Mail::DKIM's result words (pass, fail, invalid, temperror, ...), and exits 0
# only when there is at least one signature and every one passes; 1
# otherwise, 2 on a usage error.
#
# DNS is replaced by redefining Mail::DKIM::DNS::query, the one function
# both its synchronous and asynchronous lookups end in (as Mail::DKIM's own
# t/verifier.t does); it returns Net::DNS::RR TXT objects.
use strict;
use warnings;

use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

sub usage {
    print STDERR "usage: maildkim_verify.pl MESSAGE NAME=TXTVALUE...\n";
    exit 2;
}

usage() if @ARGV < 1;
my $path = shift @ARGV;
my %records;
for my $arg (@ARGV) {
    my ( $name, $value ) = $arg =~ /\A([^=]+)=(.*)\z/s or usage();
    $name = lc $name;
    $name =~ s/\.\z//;
    push @{ $records{$name} }, $value;
}

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $domain, $type ) = @_;
        my $name = lc $domain;
        $name =~ s/\.\z//;
        my $values = $records{$name};
        if ( uc $type ne 'TXT' || !$values ) {
            $@ = 'NXDOMAIN';
            return;
        }
        $@ = 'NOERROR';
        # A TXT record holds strings of at most 255 bytes (RFC 1035 §3.3);
        # Mail::DKIM joins them again (RFC 6376 §3.6.2.2).
        return map {
            my @strings = unpack '(a255)*', $_;
            @strings = ('') unless @strings;
            Net::DNS::RR->new(
                name    => $domain,
                type    => 'TXT',
                ttl     => 300,
                txtdata => \@strings,
            );
        } @$values;
    };
}

my $fh;
if ( $path eq '-' ) {
    $fh = \*STDIN;
}
else {
    open $fh, '<', $path or die "cannot open $path: $!\n";
}
binmode $fh;
local $/;
my $message = <$fh>;
close $fh unless $path eq '-';

# Mail::DKIM wants the SMTP wire form: every line ends in CRLF. A message
# stored with bare LF line endings is converted, as its dkimverify.pl does.
$message =~ s/(?<!\r)\n/\r\n/g;

my $dkim = Mail::DKIM::Verifier->new();
$dkim->PRINT($message);
$dkim->CLOSE();

# DomainKey-Signature fields (RFC 4870) are reported by Mail::DKIM too; only
# DKIM-Signature fields count here.
my @signatures = grep { !$_->isa('Mail::DKIM::DkSignature') } $dkim->signatures;
my $all_pass = @signatures > 0;
print "no DKIM-Signature\n" unless @signatures;
my $index = 0;
for my $sig (@signatures) {
    # result_detail is the result word with the reason, "fail (bad RSA
    # signature)"; the word alone decides.
    my $result = $sig->result || 'none';
    my $detail = $sig->result_detail || $result;
    $detail = $result unless index( $detail, $result ) == 0;
    $detail =~ s/\s+/ /g;       # reasons may end in a newline
    $detail =~ s/ ?\)/)/g;
    printf "%d d=%s s=%s a=%s: %s\n", $index++, $sig->domain // '?',
      $sig->selector // '?', $sig->algorithm // '?', $detail;
    $all_pass = 0 unless $result eq 'pass';
}
exit( $all_pass ? 0 : 1 );
