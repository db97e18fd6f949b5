using System;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Msil.Mcp.Generators;

/// <summary>Reads descriptions from XML doc comments, also when the project does not generate a documentation file.</summary>
internal static class Docs
{
    public static XElement? For(ISymbol symbol)
    {
        var xml = symbol.GetDocumentationCommentXml();
        if (string.IsNullOrWhiteSpace(xml))
        {
            xml = FromTrivia(symbol);
        }

        if (string.IsNullOrWhiteSpace(xml))
        {
            return null;
        }

        try
        {
            return XElement.Parse(xml, LoadOptions.PreserveWhitespace);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    public static string? Summary(XElement? doc) => Text(doc?.Element("summary"));

    public static string? Param(XElement? doc, string name)
        => Text(doc?.Elements("param").FirstOrDefault(e => (string?)e.Attribute("name") == name));

    private static string? FromTrivia(ISymbol symbol)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            var node = reference.GetSyntax();
            var sb = new StringBuilder();
            foreach (var trivia in node.GetLeadingTrivia())
            {
                if (!trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) && !trivia.IsKind(SyntaxKind.SingleLineCommentTrivia))
                {
                    continue;
                }

                foreach (var raw in trivia.ToFullString().Split('\n'))
                {
                    var line = raw.Trim();
                    if (line.StartsWith("///", StringComparison.Ordinal))
                    {
                        sb.Append(line.Substring(3)).Append('\n');
                    }
                }
            }

            if (sb.Length > 0)
            {
                return "<doc>" + sb + "</doc>";
            }
        }

        return null;
    }

    private static string? Text(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        var sb = new StringBuilder();
        Append(sb, element);
        var text = Collapse(sb.ToString());
        return text.Length == 0 ? null : text;
    }

    private static void Append(StringBuilder sb, XElement element)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    sb.Append(text.Value);
                    break;
                case XElement child when child.Name.LocalName is "see" or "seealso":
                    var cref = (string?)child.Attribute("cref") ?? (string?)child.Attribute("langword") ?? (string?)child.Attribute("href");
                    if (child.Nodes().Any())
                    {
                        Append(sb, child);
                    }
                    else if (cref is not null)
                    {
                        var colon = cref.IndexOf(':');
                        var name = colon >= 0 && colon < 2 ? cref.Substring(colon + 1) : cref;
                        var dot = name.LastIndexOf('.');
                        sb.Append(dot >= 0 ? name.Substring(dot + 1) : name);
                    }

                    break;
                case XElement child when child.Name.LocalName is "paramref" or "typeparamref":
                    sb.Append((string?)child.Attribute("name"));
                    break;
                case XElement child:
                    Append(sb, child);
                    break;
            }
        }
    }

    public static string Collapse(string text)
    {
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
