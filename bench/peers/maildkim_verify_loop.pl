#!/usr/bin/perl
# maildkim_verify_loop.pl: verifies one message with Mail::DKIM (Debian
# libmail-dkim-perl) for a number of seconds and prints verifications per
# second. DNS is answered offline from the given record.
#
# usage: maildkim_verify_loop.pl MESSAGE NAME VALUE [SECONDS]
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS;
use Time::HiRes qw(time);

my ($file, $name, $value, $seconds) = @ARGV;
$seconds //= 3;
open(my $fh, '<:raw', $file) or die "open $file: $!";
my $message = do { local $/; <$fh> };
close $fh;

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ($domain, $type) = @_;
        return () unless lc($domain) eq lc($name);
        my $rr = Net::DNS::RR->new(name => $domain, type => 'TXT', txtdata => [ $value =~ /(.{1,250})/gs ]);
        return ($rr);
    };
}

sub verify_once {
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($message);
    $v->CLOSE();
    return $v->result;
}

my $r = verify_once();
die "Mail::DKIM says $r" unless $r eq 'pass';
my $count = 0;
my $start = time;
while (time - $start < $seconds) { verify_once(); $count++; }
printf "%.1f\n", $count / (time - $start);
