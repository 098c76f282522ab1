/*
 * JakartaSend - send one MIME message through Jakarta Mail's SMTP transport.
 *
 * usage: java JakartaSend HOST PORT SENDER TEXT-FILE ATTACHMENT-FILE RCPT...
 *
 * The message is multipart/mixed: a text/plain; charset=UTF-8 part holding
 * TEXT-FILE (read as UTF-8, sent 8bit so that lines starting with '.' reach
 * the server dot-stuffed by the client) and ATTACHMENT-FILE as an
 * application/octet-stream attachment (base64).  No STARTTLS, no AUTH.
 * Exits 0 when the server accepted the message for every recipient.
 */

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Date;
import java.util.Properties;

public class JakartaSend {
    public static void main(String[] args) {
        if (args.length < 6) {
            System.err.println("usage: JakartaSend HOST PORT SENDER TEXT-FILE"
                               + " ATTACHMENT-FILE RCPT...");
            System.exit(2);
        }
        try {
            send(args);
        } catch (MessagingException | IOException e) {
            System.err.println("JakartaSend: " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause())
                System.err.println("  caused by: " + c);
            System.exit(1);
        }
        System.exit(0);
    }

    static void send(String[] args) throws MessagingException, IOException {
        String host = args[0];
        String port = args[1];
        String sender = args[2];
        String text = new String(Files.readAllBytes(Paths.get(args[3])),
                                 StandardCharsets.UTF_8);
        File attachment = new File(args[4]);
        Address[] rcpts = new Address[args.length - 5];
        for (int i = 5; i < args.length; i++)
            rcpts[i - 5] = new InternetAddress(args[i], true);

        Properties props = new Properties();
        props.put("mail.smtp.host", host);
        props.put("mail.smtp.port", port);
        props.put("mail.smtp.localhost", "jakarta.client.test");
        props.put("mail.smtp.auth", "false");
        props.put("mail.smtp.starttls.enable", "false");
        props.put("mail.smtp.starttls.required", "false");
        props.put("mail.smtp.ehlo", "true");
        props.put("mail.smtp.allow8bitmime", "true");
        props.put("mail.smtp.connectiontimeout", "10000");
        props.put("mail.smtp.timeout", "30000");
        props.put("mail.smtp.writetimeout", "30000");
        if (System.getenv("JAKARTA_DEBUG") != null)
            props.put("mail.debug", "true");
        Session session = Session.getInstance(props);

        MimeMessage msg = new MimeMessage(session);
        msg.setFrom(new InternetAddress(sender, true));
        msg.setRecipients(Message.RecipientType.TO, rcpts);
        msg.setSubject("Jakarta Mail interop: Gr\u00fc\u00dfe", "UTF-8");
        msg.setSentDate(new Date());

        MimeBodyPart textPart = new MimeBodyPart();
        textPart.setText(text, "UTF-8");
        /* Keep the text as it is on the wire: no quoted-printable. */
        textPart.setHeader("Content-Transfer-Encoding", "8bit");

        MimeBodyPart filePart = new MimeBodyPart();
        filePart.attachFile(attachment, "application/octet-stream", "base64");

        MimeMultipart mp = new MimeMultipart("mixed");
        mp.addBodyPart(textPart);
        mp.addBodyPart(filePart);
        msg.setContent(mp);
        msg.saveChanges();

        Transport transport = session.getTransport("smtp");
        try {
            transport.connect(host, Integer.parseInt(port), null, null);
            transport.sendMessage(msg, rcpts);
        } finally {
            transport.close();
        }
    }
}
